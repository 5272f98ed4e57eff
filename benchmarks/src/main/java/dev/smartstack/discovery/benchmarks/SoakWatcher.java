package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyOutputBuilder;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.FileOutput;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * The watcher under test, in its own JVM (started by {@link SoakHarness}): one
 * {@link SynapseWatcher} on {@code /soak/s0} .. {@code /soak/s<services-1>} with a
 * {@link FileOutput} in {@code <dir>/files}, wrapped by a {@link SoakRecorder}, and with
 * {@code haproxy} the HAProxy output with a managed HAProxy as well.
 *
 * <p>It starts watching when it reads {@code start} on its standard input. Its standard output
 * is a line protocol for the harness: {@code session <hex id>} whenever its
 * ZooKeeper session changes, {@code initialized <ms>} once every service's file is written,
 * and {@code heap <bytes>} (the heap used right after a full GC) in answer to each {@code gc} line
 * on its standard input (with HAProxy, followed by {@code haproxy <reloads> <failed reloads> <runtime
 * commands> <last error or ->}). It closes the watcher and exits when its standard input closes.
 */
final class SoakWatcher {
    private SoakWatcher() {
    }

    /** {@code SoakWatcher <connect> <services> <dir> [haproxy]}. */
    @SuppressWarnings("try") // the recorder is a resource only to be closed after the watcher
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int services = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        HaproxyOutput haproxy = args.length > 3 && args[3].equals("haproxy") ? haproxy(dir, services) : null;
        Path files = Files.createDirectories(dir.resolve("files"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"start".equals(in.readLine())) {
            return;
        }
        long t0 = System.nanoTime();
        try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(connect).sessionTimeoutMs(20_000)
                .connectionTimeoutMs(10_000).retryPolicy(new ExponentialBackoffRetry(100, 5)).build()) {
            zk.start();
            Set<String> names = new LinkedHashSet<>();
            for (int s = 0; s < services; s++) {
                names.add("s" + s);
            }
            SoakRecorder recorder = new SoakRecorder(FileOutput.builder().directory(files).build().start(names), dir,
                    services);
            SynapseWatcher.Builder b = SynapseWatcher.builder().curator(zk).output(recorder);
            if (haproxy != null) {
                b.output(haproxy.start());
            }
            for (String name : names) {
                b.service(WatchedService.builder().name(name).path(SoakWriter.ROOT + "/" + name).build());
            }
            try (SoakRecorder closedLast = recorder; SynapseWatcher watcher = b.build().start()) {
                Thread sessions = new Thread(() -> reportSessions(zk), "soak-watcher-sessions");
                sessions.setDaemon(true);
                sessions.start();
                if (!watcher.awaitInitialized(Duration.ofMinutes(10)) || !recorder.awaitAllWritten(Duration.ofMinutes(10))) {
                    throw new IllegalStateException("the watcher did not write every service within 10 minutes");
                }
                say("initialized " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                // from here on the harness samples; nothing else runs in this JVM but the watcher
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("gc")) {
                        System.gc();
                        say("heap " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                        if (haproxy != null) {
                            say("haproxy " + haproxy.reloads() + " " + haproxy.failedReloads() + " "
                                    + haproxy.runtimeCommands() + " " + haproxy.lastError().orElse("-").replace('\n', ' '));
                        }
                    }
                }
            }
        } finally {
            if (haproxy != null) {
                haproxy.close();
            }
        }
    }

    /**
     * The HAProxy output with a managed HAProxy ({@code /usr/sbin/haproxy}, or {@code haproxy} on
     * the path): a backend per service and no frontend, so HAProxy listens on no port (only its
     * unix sockets in {@code dir/haproxy}); nothing sends traffic, so no server needs to listen.
     */
    private static HaproxyOutput haproxy(Path dir, int services) throws java.io.IOException {
        Path hdir = Files.createDirectories(dir.resolve("haproxy"));
        String binary = Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
        HaproxyOutputBuilder b = HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath(binary)
                .configFilePath(hdir.resolve("haproxy.cfg")).restartInterval(Duration.ofSeconds(2))
                .global(List.of("maxconn 4096"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 30s", "timeout server 30s"));
        for (int s = 0; s < services; s++) {
            b.service("s" + s, HaproxyService.builder().backend(List.of("balance roundrobin")).build());
        }
        return b.build();
    }

    /** Prints the session id each time it changes (checked every second). */
    private static void reportSessions(CuratorFramework zk) {
        long last = 0;
        while (true) {
            try {
                long id = zk.getZookeeperClient().getZooKeeper().getSessionId();
                if (id != 0 && id != last) {
                    say("session " + Long.toHexString(id));
                    last = id;
                }
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // not connected at the moment: try again at the next tick
            }
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
