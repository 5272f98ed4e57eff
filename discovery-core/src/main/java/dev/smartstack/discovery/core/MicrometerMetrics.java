package dev.smartstack.discovery.core;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * {@link DiscoveryMetrics} on a Micrometer registry. Loaded only when a caller asks for it. Counters
 * and timers all carry the tags {@code service} and {@code detail}, so that a name never has two
 * sets of tag keys (Prometheus refuses that). Timers publish count, total and max; percentile
 * histograms stay off unless the registry's own {@code MeterFilter} turns them on.
 */
final class MicrometerMetrics implements DiscoveryMetrics {
    private final MeterRegistry registry;

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static DiscoveryMetrics of(Object registry) {
        if (!(registry instanceof MeterRegistry meterRegistry)) {
            throw new IllegalArgumentException("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry but was "
                    + (registry == null ? "null" : registry.getClass().getName()));
        }
        return new MicrometerMetrics(meterRegistry);
    }

    @Override
    public void increment(String metric, String service, String detail) {
        registry.counter(metric, "service", service == null ? "" : service, "detail", detail == null ? "" : detail)
                .increment();
    }

    @Override
    public void record(String metric, String service, Duration duration) {
        record(metric, service, "", duration);
    }

    @Override
    public void record(String metric, String service, String detail, Duration duration) {
        registry.timer(metric, "service", service == null ? "" : service, "detail", detail == null ? "" : detail)
                .record(duration);
    }
}
