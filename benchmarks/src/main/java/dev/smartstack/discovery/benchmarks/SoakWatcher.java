package dev.smartstack.discovery.benchmarks;

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
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * The watcher under test, in its own JVM (started by {@link SoakHarness}): one
 * {@link SynapseWatcher} on {@code /soak/s0} .. {@code /soak/s<services-1>} with a
 * {@link FileOutput} in {@code <dir>/files}, wrapped by a {@link SoakRecorder}.
 *
 * <p>It starts watching when it reads {@code start} on its standard input. Its standard output
 * is a line protocol for the harness: {@code session <hex id>} whenever its
 * ZooKeeper session changes, {@code initialized <ms>} once every service's file is written,
 * and {@code heap <bytes>} (the heap used right after a full GC) in answer to each {@code gc} line
 * on its standard input. It closes the watcher and exits when its standard input closes.
 */
final class SoakWatcher {
    private SoakWatcher() {
    }

    /** {@code SoakWatcher <connect> <services> <dir>}. */
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int services = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        Path files = Files.createDirectories(dir.resolve("files"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"start".equals(in.readLine())) {
            return;
        }
        long t0 = System.nanoTime();
        try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(connect).sessionTimeoutMs(20_000)
                .connectionTimeoutMs(10_000).retryPolicy(new ExponentialBackoffRetry(100, 5)).build()) {
            zk.start();
            SoakRecorder recorder = new SoakRecorder(FileOutput.builder().directory(files).build(), dir, services);
            SynapseWatcher.Builder b = SynapseWatcher.builder().curator(zk).output(recorder);
            for (int s = 0; s < services; s++) {
                b.service(WatchedService.builder().name("s" + s).path(SoakWriter.ROOT + "/s" + s).build());
            }
            try (SynapseWatcher watcher = b.build().start()) {
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
                    }
                }
            }
        }
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
