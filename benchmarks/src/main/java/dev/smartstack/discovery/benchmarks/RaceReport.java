package dev.smartstack.discovery.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The Markdown tables of {@link WatchRace}: one row per existing-instance count and watcher. */
final class RaceReport {
    private final Map<String, RoundResult> results;
    private final Duration outage;
    private final Duration resyncTimeout;

    /** @param results by row key {@code "<N>|<watcher>"}, in the order to print */
    RaceReport(Map<String, RoundResult> results, WatchRace.Options options) {
        this.results = results;
        this.outage = options.outage();
        this.resyncTimeout = options.resyncTimeout();
    }

    void print(PrintStream out) {
        out.println();
        out.println("Latency from just before the writer's call to the watcher holding the new view, in ms "
                + "(p50 / p99 / max); the writer's own create() round trip is the floor.");
        out.println();
        out.println("| existing instances | watcher | join | data change | leave | writer create() p50 / p99 | samples"
                + " per kind | lost |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        rows(out, r -> String.join(" | ", latency(r.join), latency(r.data), latency(r.leave),
                ms(Percentiles.of(r.floor, 50)) + " / " + ms(Percentiles.of(r.floor, 99)), Integer.toString(r.join.size()),
                Integer.toString(r.lost)));
        out.println();
        out.println("ZooKeeper requests sent by the watcher's session, counted on the wire (pings left out): per "
                + "change the mean (max) from just before the write to just before the next one; cold start "
                + "from start() to the initial view, per round.");
        out.println();
        out.println("| existing instances | watcher | per join | per data change | per leave | cold start, ms | "
                + "cold-start requests | server's recved = wire's requests + pings? |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        rows(out, r -> String.join(" | ", perChange(r.joinRequests), perChange(r.dataRequests),
                perChange(r.leaveRequests), join(r.coldNanos, RaceReport::ms),
                join(r.coldRequests, String::valueOf) + (r.coldBreakdown.isEmpty() ? ""
                        : " (" + r.coldBreakdown.get(0) + ")"), checks(r.checks)));
        out.println();
        out.println("Resync after a " + outage.toMillis() / 1e3 + " s outage with 10 changes made meanwhile "
                + "(3 joins, 3 leaves, 3 data changes, 1 delete and re-create), per round: the time from the "
                + "watcher's reconnection to its view equal to the writer's (and live), \"never\" when not within "
                + resyncTimeout.toSeconds() + " s; in brackets, when it reconnected after the outage ended; the requests from the end of the outage until the view was "
                + "consistent or " + outage.toMillis() / 1e3 + " s had passed, whichever came later; and the instances it had wrong at the "
                + "end (missing, extra or stale; 0 = nothing missed).");
        out.println();
        out.println("| existing instances | watcher | connection drop: consistent after | requests | wrong | "
                + "session expiry: consistent after | requests | wrong |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        rows(out, r -> String.join(" | ", resync(r.drops), resync(r.expiries)));
        results.forEach((key, r) -> {
            List<RoundResult.Resync> all = new ArrayList<>(r.drops);
            all.addAll(r.expiries);
            all.stream().filter(x -> !x.wrong().isEmpty()).forEach(x -> out.printf(Locale.ROOT,
                    "- N=%s %s, wrong after the outage: %s%n", key.split("\\|", 2)[0], key.split("\\|", 2)[1],
                    String.join(", ", x.wrong().subList(0, Math.min(5, x.wrong().size())))));
        });
        out.println();
        out.println("Heap used after System.gc() in the watcher JVM (before start() → with the view), and process "
                + "CPU time per measured change (warm-up excluded), per round.");
        out.println();
        out.println("| existing instances | watcher | heap, MB | retained by the view, MB | CPU per change, ms |");
        out.println("| --- | --- | --- | --- | --- |");
        rows(out, r -> {
            List<String> heap = new ArrayList<>();
            List<String> retained = new ArrayList<>();
            for (int i = 0; i < Math.min(r.heapBaseline.size(), r.heapWithView.size()); i++) {
                heap.add(mb(r.heapBaseline.get(i)) + " → " + mb(r.heapWithView.get(i)));
                retained.add(mb(r.heapWithView.get(i) - r.heapBaseline.get(i)));
            }
            return String.join(" | ", String.join("; ", heap), String.join("; ", retained),
                    join(r.cpuPerChange, RaceReport::ms));
        });
    }

    private void rows(PrintStream out, Function<RoundResult, String> cells) {
        results.forEach((key, r) -> {
            String[] k = key.split("\\|", 2);
            out.printf(Locale.ROOT, "| %,d | %s | %s |%n", Integer.parseInt(k[0]), k[1], cells.apply(r));
        });
    }

    private static String latency(List<Long> nanos) {
        return ms(Percentiles.of(nanos, 50)) + " / " + ms(Percentiles.of(nanos, 99)) + " / "
                + ms(Percentiles.of(nanos, 100));
    }

    private static String checks(List<RoundResult.Check> checks) {
        long equal = checks.stream().filter(c -> c.server() == c.wire()).count();
        String differing = checks.stream().filter(c -> c.server() != c.wire())
                .map(c -> c.window() + ": server " + c.server() + ", wire " + c.wire()).collect(Collectors.joining("; "));
        return equal + " of " + checks.size() + " windows equal" + (differing.isEmpty() ? "" : " (" + differing + ")");
    }

    private static String perChange(List<Long> counts) {
        if (counts.isEmpty()) {
            return "-";
        }
        double mean = counts.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
        long max = counts.stream().mapToLong(Long::longValue).max().orElse(-1);
        return String.format(Locale.ROOT, "%.2f (%d)", mean, max);
    }

    private static String resync(List<RoundResult.Resync> rounds) {
        String time = rounds.stream().map(x -> (x.nanos() < 0 ? "never" : ms(x.nanos())) + " (" + ms(x.reconnectNanos())
                + ")").collect(Collectors.joining("; "));
        String requests = rounds.stream().map(x -> x.requests() + " (" + x.breakdown() + ")")
                .collect(Collectors.joining("; "));
        String wrong = rounds.stream().map(x -> Integer.toString(x.wrong().size())).collect(Collectors.joining("; "));
        return String.join(" | ", time, requests, wrong);
    }

    private static <T> String join(List<T> values, Function<T, String> f) {
        return values.isEmpty() ? "-" : values.stream().map(f).collect(Collectors.joining("; "));
    }

    static String ms(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }
}
