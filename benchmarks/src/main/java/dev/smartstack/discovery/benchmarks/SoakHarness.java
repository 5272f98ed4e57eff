package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.chaos.Report;
import dev.smartstack.discovery.testing.FourLetterWords;
import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak (out of CI): a ZooKeeper server in its own JVM, a writer in its own JVM churning
 * {@code services × backends} znodes at a steady rate ({@link SoakWriter}), and the watcher under
 * test in its own JVM ({@link SoakWatcher}: one {@code SynapseWatcher} on every service, with a
 * {@code FileOutput}). Once a minute, and at the end, it samples the watcher: heap used after a
 * full GC, RSS and threads ({@code /proc/<pid>/status}), open file descriptors
 * ({@code /proc/<pid>/fd}), the requests the server answered on its session ({@code cons}) per
 * change, and the latency from the writer's change to the watcher's file (p50/p99/max of the
 * changes matched in that minute). It prints the table, then one verdict per resource
 * ({@link Trend}).
 *
 * <pre>
 * scripts/bench SoakHarness [--minutes 30] [--services 1000] [--backends 10] [--rate 50] [--haproxy] [--dir DIR]
 * </pre>
 * {@code --haproxy} adds the HAProxy output with a managed HAProxy to the watcher (one backend per
 * service, no frontend, so it listens on no port); the table then has HAProxy's RSS and reloads.
 * {@code --rate} is changes per second. Every loop is bounded: the writer stops after the minutes
 * (plus a margin) or when the harness closes its input; the tree never holds more than
 * {@code services × backends} backends.
 */
public final class SoakHarness {
    private static final String USAGE =
            "usage: SoakHarness [--minutes N] [--services N] [--backends N] [--rate CHANGES_PER_SECOND] [--haproxy] [--dir DIR]";

    private SoakHarness() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = 30;
        int services = 1_000;
        int backends = 10;
        double rate = 50;
        Path dir = null;
        boolean haproxy = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--haproxy")) {
                haproxy = true;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value; " + USAGE);
            }
            switch (args[i++]) {
                case "--minutes" -> minutes = positive("--minutes", value);
                case "--services" -> services = positive("--services", value);
                case "--backends" -> backends = positive("--backends", value);
                case "--rate" -> rate = positive("--rate", value);
                case "--dir" -> dir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown argument " + args[i - 1] + "; " + USAGE);
            }
        }
        dir = Files.createDirectories(dir != null ? dir : Files.createTempDirectory("smartstack-soak-"));
        System.out.printf(Locale.ROOT, "# SoakHarness: %d minutes, %d services x %d backends, %.0f changes/s%s, %d cpus, "
                + "load average %.2f; files in %s%n", minutes, services, backends, rate, haproxy ? ", HAProxy output" : "",
                Runtime.getRuntime().availableProcessors(), loadAverage(), dir);
        new SoakHarness.Run(minutes, services, backends, rate, haproxy, dir).run();
    }

    private static int positive(String flag, String value) {
        int v;
        try {
            v = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a positive integer but was " + value, e);
        }
        if (v <= 0) {
            throw new IllegalArgumentException(flag + " must be a positive integer but was " + value);
        }
        return v;
    }

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** One soak: the three processes, the samples, the table and the verdicts. */
    private record Run(int minutes, int services, int backends, double rate, boolean haproxy, Path dir) {
        void run() throws Exception {
            AtomicLong session = new AtomicLong();
            try (ZooKeeperProcess zk = ZooKeeperProcess.withConfig(Map.of("4lw.commands.whitelist",
                    "srvr,ruok,mntr,stat,cons")).start();
                    SoakProcess writer = SoakProcess.start("writer", SoakWriter.class, List.of("-Xmx256m"),
                            List.of(zk.connectString(), Integer.toString(services), Integer.toString(backends),
                                    Double.toString(rate), Long.toString(minutes * 60L + 120), dir.toString()),
                            dir, line -> { });
                    SoakProcess watcher = startWatcher(zk, session)) {
                long t0 = System.nanoTime();
                writer.await("seeded", Duration.ofMinutes(10));
                System.out.printf(Locale.ROOT, "seeded %d backends in %.1f s%n", services * backends,
                        (System.nanoTime() - t0) / 1e9);
                watcher.send("start");
                String init = watcher.await("initialized", Duration.ofMinutes(10));
                System.out.println("the watcher (pid " + watcher.pid() + ") initialized " + init
                        + " ms after it was told to start; ZooKeeper pid " + zk.pid());
                Sampler sampler = new Sampler(zk.port(), watcher, session, new SoakLatency(dir), haproxy);
                writer.send("churn");
                long start = System.nanoTime();
                sampler.sample("0", 0, false);
                for (int m = 1; m <= minutes; m++) {
                    long due = start + TimeUnit.MINUTES.toNanos(m);
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
                    if (!watcher.isAlive() || !writer.isAlive()) {
                        throw new IllegalStateException("a child process exited early; see " + dir);
                    }
                    sampler.sample(Integer.toString(m), (System.nanoTime() - start) / 60e9, true);
                }
                writer.finish(Duration.ofSeconds(30));
                TimeUnit.SECONDS.sleep(5); // the watcher shows the last changes
                sampler.sample("end", (System.nanoTime() - start) / 60e9, false);
                System.out.println(sampler.report.table());
                sampler.verdicts().forEach(System.out::println);
                System.out.printf(Locale.ROOT, "load average at the end %.2f; files and child logs in %s%n", loadAverage(),
                        dir);
            }
        }

        private SoakProcess startWatcher(ZooKeeperProcess zk, AtomicLong session) {
            return SoakProcess.start("watcher", SoakWatcher.class, List.of("-Xmx512m"),
                    haproxy ? List.of(zk.connectString(), Integer.toString(services), dir.toString(), "haproxy")
                            : List.of(zk.connectString(), Integer.toString(services), dir.toString()), dir, line -> {
                        if (line.startsWith("session ")) {
                            session.set(Long.parseUnsignedLong(line.substring("session ".length()), 16));
                        }
                    });
        }
    }

    /** Takes the samples and keeps the series the verdicts are drawn from. */
    private static final class Sampler {
        final Report report = new Report("Soak, per minute", "minute", "changes (join/leave/data)", "heap after GC MB",
                "RSS MB", "threads", "open fds", "ZK requests (per change)", "latency p50 / p99 / max ms", "not seen",
                "HAProxy RSS MB, reloads (failed), runtime commands", "load");
        private final int zkPort;
        private final SoakProcess watcher;
        private final AtomicLong session;
        private final SoakLatency latency;
        private final boolean haproxy;
        private final List<Trend.Point> heap = new ArrayList<>();
        private final List<Trend.Point> rss = new ArrayList<>();
        private final List<Trend.Point> threads = new ArrayList<>();
        private final List<Trend.Point> fds = new ArrayList<>();
        private final List<Trend.Point> requestsPerChange = new ArrayList<>();
        private final List<Trend.Point> p99 = new ArrayList<>();
        private long lastSession;
        private long lastRequests;

        Sampler(int zkPort, SoakProcess watcher, AtomicLong session, SoakLatency latency, boolean haproxy) {
            this.haproxy = haproxy;
            this.zkPort = zkPort;
            this.watcher = watcher;
            this.session = session;
            this.latency = latency;
        }

        /**
         * Samples the watcher. {@code fullMinute} says whether the interval since the last sample was
         * a minute of churn; only those enter the per-change series (requests, latency), as the
         * last few seconds after the writer stopped hold too few changes to compare.
         */
        void sample(String label, double minute, boolean fullMinute) throws InterruptedException {
            watcher.send("gc");
            double heapMb = Long.parseLong(watcher.await("heap", Duration.ofMinutes(2))) / 1048576.0;
            String hap = "-";
            if (haproxy) {
                String[] h = watcher.await("haproxy", Duration.ofSeconds(30)).split(" ", 4);
                hap = String.format(Locale.ROOT, "%.0f, %s (%s), %s%s", watcher.descendantsStatus("VmRSS") / 1024.0, h[0],
                        h[1], h[2], h[3].equals("-") ? "" : ", last error: " + h[3]);
            }
            double rssMb = watcher.status("VmRSS") / 1024.0;
            long threadCount = watcher.status("Threads");
            long openFiles = watcher.openFiles();
            long sid = session.get();
            long requests = FourLetterWords.requestsAnswered(zkPort, sid);
            SoakLatency.Interval in = latency.drain();
            String perChange;
            if (sid != lastSession) {
                perChange = lastSession == 0 ? requests + " since its session began" : requests + " (new session)";
            } else {
                long delta = requests - lastRequests;
                double per = in.changes() == 0 ? Double.NaN : (double) delta / in.changes();
                perChange = String.format(Locale.ROOT, "%d (%.3f)", delta, per);
                if (fullMinute && in.changes() > 0) {
                    requestsPerChange.add(new Trend.Point(minute, per));
                }
            }
            lastSession = sid;
            lastRequests = requests;
            List<Long> l = in.latenciesMicros();
            String lat = l.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f / %.1f / %.1f (%d)",
                    Percentiles.of(l, 50) / 1e3, Percentiles.of(l, 99) / 1e3, Percentiles.of(l, 100) / 1e3, l.size());
            if (fullMinute && !l.isEmpty()) {
                p99.add(new Trend.Point(minute, Percentiles.of(l, 99) / 1e3));
            }
            heap.add(new Trend.Point(minute, heapMb));
            rss.add(new Trend.Point(minute, rssMb));
            threads.add(new Trend.Point(minute, threadCount));
            fds.add(new Trend.Point(minute, openFiles));
            report.row(label, in.changes() + " (" + in.joins() + "/" + in.leaves() + "/" + in.dataChanges() + ")",
                    String.format(Locale.ROOT, "%.1f", heapMb), String.format(Locale.ROOT, "%.0f", rssMb), threadCount,
                    openFiles, perChange, lat, in.notSeen(), hap, String.format(Locale.ROOT, "%.2f", loadAverage()));
            System.out.printf(Locale.ROOT, "minute %s: heap %.1f MB, RSS %.0f MB, %d threads, %d fds, requests %s, "
                    + "latency ms %s, %d changes, HAProxy %s%n", label, heapMb, rssMb, threadCount, openFiles, perChange,
                    lat, in.changes(), hap);
        }

        List<String> verdicts() {
            return List.of(
                    "verdict heap after GC: " + Trend.of(heap).describe("MB", 1),
                    "verdict RSS: " + Trend.of(rss).describe("MB", 1),
                    "verdict threads: " + Trend.of(threads).describe("threads", 1),
                    "verdict open fds: " + Trend.of(fds).describe("fds", 1),
                    "verdict ZooKeeper requests per change: " + Trend.of(requestsPerChange).describe("req", 1),
                    "verdict latency p99: " + Trend.of(p99).describe("ms", 1));
        }
    }
}
