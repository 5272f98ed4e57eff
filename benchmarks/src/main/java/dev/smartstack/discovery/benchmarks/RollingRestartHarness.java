package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.chaos.Report;
import dev.smartstack.discovery.chaos.RollingRestart;
import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The rolling restart at benchmark size: the rig of discovery-chaos (three backends, each with its own
 * {@code smartstack nerve} process, one {@code smartstack synapse} with a managed HAProxy, a
 * ZooKeeper server in a child JVM, all on 127.0.0.1) under at least 100,000 requests, once as is and
 * once with a ZooKeeper outage during which one backend fails. Prints one Markdown table.
 *
 * <pre>
 * scripts/bench RollingRestartHarness [--requests 100000] [--threads 4] [--pause-ms 0] [--only plain|outage]
 * </pre>
 * Needs the agent jar, which scripts/bench builds ({@code discovery-agent/target/smartstack.jar}).
 */
public final class RollingRestartHarness {
    private RollingRestartHarness() {
    }

    public static void main(String[] args) throws Exception {
        long requests = 100_000;
        int threads = 4;
        long pauseMs = 0;
        String only = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests" -> requests = Long.parseLong(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--pause-ms" -> pauseMs = Long.parseLong(args[++i]);
                case "--only" -> only = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: RollingRestartHarness [--requests N] [--threads N] [--pause-ms N] [--only plain|outage]");
            }
        }
        System.out.println("# RollingRestartHarness: " + requests + " requests per run, " + threads + " threads, "
                + Runtime.getRuntime().availableProcessors() + " cpus, load average "
                + java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Report report = RollingRestart.report();
        for (boolean outage : new boolean[] {false, true}) {
            if (!only.isEmpty() && !only.equals(outage ? "outage" : "plain")) {
                continue;
            }
            RollingRestart.Options o = new RollingRestart.Options(3, requests, threads, Duration.ofMillis(pauseMs),
                    Duration.ofMinutes(30), Integer.MAX_VALUE, outage, Duration.ofSeconds(5), Duration.ofSeconds(6));
            Path dir = Files.createTempDirectory("smartstack-rolling-");
            try (ZooKeeperProcess zk = ZooKeeperProcess.create().start()) {
                RollingRestart.Result r = RollingRestart.run(dir, zk, o);
                RollingRestart.addTo(report, outage ? "ZooKeeper outage, one backend fails during it" : "no outage", r);
                System.out.print(r.log());
                r.failures().forEach(f -> System.out.println("failure: " + f));
            }
            System.out.println("files and agent logs: " + dir);
        }
        System.out.println(report.table());
    }
}
