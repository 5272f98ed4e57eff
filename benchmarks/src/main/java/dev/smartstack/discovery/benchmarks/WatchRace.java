package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The watch core against Curator x-discovery's {@code ServiceCache}, in the same run (issue 8):
 * one real ZooKeeper in its own JVM ({@link ZooKeeperProcess}), this JVM as the writer, and each
 * watcher in its own JVM ({@link WatcherMain}) behind a {@link CountingProxy}, so that its requests
 * are counted on the wire and its connection can be cut.
 *
 * <p>For each N: N instances in Curator x-discovery's format, watched by ServiceCache and by
 * {@code SynapseWatcher} (decode {@code curator}) in alternating rounds A B A B; then the same for
 * Nerve's format, with and without path encoding, for SynapseWatcher alone. Latency is from just
 * before the writer's call to the watcher holding the new view; both ends read
 * {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC, one clock for every process on the
 * host (each watcher JVM's reading is checked to fall between two of the writer's).
 *
 * <pre>
 * scripts/bench WatchRace [--sizes 10,1000,10000,100000] [--changes 300] [--smoke]
 * </pre>
 * {@code --changes} is the number of joins (and of data changes, and of leaves) measured per
 * watcher and N, split over its rounds. {@code --smoke}: N = 10, 20 changes, one round per watcher and format, 1 s outages: a check that
 * the harness works, not a measurement.
 */
public final class WatchRace {
    /** jute.maxbuffer for the server and every client: getChildren of 100,000 children is about 4 MB. */
    static final int JUTE_MAXBUFFER = 64 * 1024 * 1024;
    static final String SERVICE_CACHE = "ServiceCache (curator)";

    private WatchRace() {
    }

    /** The run's settings. */
    record Options(List<Integer> sizes, int changes, boolean smoke) {
        /** The connection drop and the session expiry last this long (1 s in a smoke run). */
        Duration outage() {
            return smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(3);
        }

        /** How long a watcher gets to catch up after an outage before it is reported as never (5 s in a smoke run). */
        Duration resyncTimeout() {
            return smoke ? Duration.ofSeconds(5) : Duration.ofSeconds(20);
        }

        /** The rounds of one format, by side: A B A B for Curator's format (A B in a smoke run). */
        List<String> sides(RaceFormat format) {
            if (format == RaceFormat.CURATOR) {
                return smoke ? List.of("servicecache", "synapse")
                        : List.of("servicecache", "synapse", "servicecache", "synapse");
            }
            return smoke ? List.of("synapse") : List.of("synapse", "synapse");
        }

        static Options parse(String... args) {
            List<Integer> sizes = List.of(10, 1_000, 10_000, 100_000);
            int changes = 300;
            boolean smoke = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--sizes" -> sizes = Arrays.stream(value(args, ++i, "--sizes").split(","))
                            .map(s -> positive("--sizes", s)).toList();
                    case "--changes" -> changes = positive("--changes", value(args, ++i, "--changes"));
                    case "--smoke" -> smoke = true;
                    default -> throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; usage: WatchRace [--sizes 10,1000] [--changes 300] [--smoke]");
                }
            }
            return smoke ? new Options(List.of(10), 20, true) : new Options(sizes, changes, false);
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static int positive(String flag, String s) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(flag + " must be positive integers but was " + s);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(options, System.out, "scripts/bench WatchRace " + String.join(" ", args));
    }

    /** Runs the race and prints the report; returns the results by row key {@code "<N>|<watcher>"}. */
    static Map<String, RoundResult> run(Options options, PrintStream out, String command) throws Exception {
        System.setProperty("jute.maxbuffer", Integer.toString(JUTE_MAXBUFFER));
        Path workDir = Files.createTempDirectory("watch-race-");
        Map<String, RoundResult> results = new LinkedHashMap<>();
        Instant began = Instant.now();
        out.printf(Locale.ROOT, "WatchRace: sizes %s, %d changes of each kind per watcher and size; logs in %s%n",
                options.sizes(), options.changes(), workDir);
        ServerCounter counter = new ServerCounter();
        List<String> zkOptions = new ArrayList<>(List.of("-Xmx2g", "-XX:+UseParallelGC", "-Djava.net.preferIPv4Stack=true",
                "-Djute.maxbuffer=" + JUTE_MAXBUFFER));
        zkOptions.addAll(counter.jvmOptions());
        try (LoadSampler load = LoadSampler.start();
                ZooKeeperProcess zk = ZooKeeperProcess.create(Duration.ofSeconds(1), zkOptions).start();
                ServerCounter server = counter) {
            for (int n : options.sizes()) {
                for (RaceFormat format : RaceFormat.values()) {
                    List<String> sides = options.sides(format);
                    int rounds = (int) sides.stream().filter("synapse"::equals).count();
                    int cycles = Math.max(1, (options.changes() + rounds - 1) / rounds);
                    int warmup = options.smoke() ? 2 : Math.max(5, Math.min(30, cycles / 5));
                    String path = "/race/n" + n + "/" + format.label() + "/bench";
                    try (RaceWriter writer = new RaceWriter(zk.connectString(), format, "bench", path)) {
                        long t = System.nanoTime();
                        writer.populate(n);
                        out.printf(Locale.ROOT, "N=%d %s: created in %.1f s%n", n, format.label(),
                                (System.nanoTime() - t) / 1e9);
                        for (int r = 0; r < sides.size(); r++) {
                            String side = sides.get(r);
                            String label = label(side, format);
                            RoundResult res = new RaceRound(zk.connectString(), zk.port(), writer, format, side, r,
                                    workDir, options, server).run(warmup, cycles);
                            results.computeIfAbsent(n + "|" + label, k -> new RoundResult()).merge(res);
                            out.printf(Locale.ROOT, "N=%d %s round %d: join p50 %s ms, %d lost, load %s%n", n, label,
                                    r + 1, RaceReport.ms(Percentiles.of(res.join, 50)), res.lost, load.now());
                        }
                        Map<String, Integer> truth = writer.readTruth();
                        if (!truth.equals(writer.modelPorts())) {
                            out.printf(Locale.ROOT, "WARNING: the writer's model of %s differs from ZooKeeper%n", path);
                        }
                    }
                }
            }
            out.println();
            out.println("Command: `" + command + "`");
            out.printf(Locale.ROOT, "Machine: %d CPUs (%s), %s; load average (1 min) during the run: %s; %s, %.0f s%n",
                    Runtime.getRuntime().availableProcessors(), cpuModel(), "Java " + System.getProperty("java.version"),
                    load.summary(), began, Duration.between(began, Instant.now()).toMillis() / 1e3);
            out.println("Clock: System.nanoTime() is CLOCK_MONOTONIC on Linux, shared by every process on the host; "
                    + "each watcher JVM's reading fell between two of the writer's: "
                    + results.values().stream().allMatch(r -> r.clockChecked));
            new RaceReport(results, options).print(out);
        }
        return results;
    }

    private static String label(String side, RaceFormat format) {
        if (side.equals("servicecache")) {
            return SERVICE_CACHE;
        }
        return "SynapseWatcher (" + switch (format) {
            case CURATOR -> "curator";
            case NERVE -> "nerve";
            case NERVE_ENCODED -> "nerve, path-encoded";
        } + ")";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown CPU";
    }

    /** Samples the 1-minute load average from /proc/loadavg every 5 s, on a daemon thread. */
    static final class LoadSampler implements AutoCloseable {
        private final List<Double> samples = new ArrayList<>();
        private final Thread thread;

        private LoadSampler() {
            thread = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    sample();
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "race-load-sampler");
            thread.setDaemon(true);
        }

        static LoadSampler start() {
            LoadSampler s = new LoadSampler();
            s.thread.start();
            return s;
        }

        String now() {
            return String.format(Locale.ROOT, "%.2f", read());
        }

        private synchronized void sample() {
            double v = read();
            if (v >= 0) {
                samples.add(v);
            }
        }

        synchronized String summary() {
            if (samples.isEmpty()) {
                return "not available";
            }
            double min = samples.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double max = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            return String.format(Locale.ROOT, "mean %.2f, min %.2f, max %.2f (%d samples)", mean, min, max,
                    samples.size());
        }

        private static double read() {
            try {
                return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
