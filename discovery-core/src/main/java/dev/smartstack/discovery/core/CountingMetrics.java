package dev.smartstack.discovery.core;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link DiscoveryMetrics} that keeps counters in memory: handy for tests, the agent's status
 * output and the benchmarks. Timings are counted, not stored.
 */
public final class CountingMetrics implements DiscoveryMetrics {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void increment(String metric, String service, String detail) {
        counts.computeIfAbsent(metric, k -> new LongAdder()).increment();
        counts.computeIfAbsent(metric + "{service=" + service + "}", k -> new LongAdder()).increment();
        if (detail != null && !detail.isEmpty()) {
            counts.computeIfAbsent(metric + "{service=" + service + ",detail=" + detail + "}", k -> new LongAdder())
                    .increment();
        }
    }

    @Override
    public void record(String metric, String service, Duration duration) {
        increment(metric, service, "");
    }

    @Override
    public void record(String metric, String service, String detail, Duration duration) {
        increment(metric, service, detail);
    }

    /** The total of {@code metric} over every service and detail. */
    public long count(String metric) {
        LongAdder a = counts.get(metric);
        return a == null ? 0 : a.sum();
    }

    /** The count of {@code metric} for one service. */
    public long count(String metric, String service) {
        LongAdder a = counts.get(metric + "{service=" + service + "}");
        return a == null ? 0 : a.sum();
    }

    /** Every counter, sorted by key. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
