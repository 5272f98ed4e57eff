package dev.smartstack.discovery.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;

/**
 * Measures how fast a registration disappears, against a real in-process ZooKeeper:
 * <ol>
 *   <li>from the health endpoint failing to the znode's deletion, against {@code fall × check_interval};</li>
 *   <li>from a reporter process killed with SIGKILL to the znode's removal, against the session timeout.</li>
 * </ol>
 * The end of each interval is a ZooKeeper watch event seen by an independent client.
 *
 * <p>Arguments (all optional): {@code reps=10 interval_ms=500 fall=3 session_ms=10000 kill_reps=5}.
 */
public final class NerveHarness {
    private static final String PATH = "/nerve/services/bench/services";

    private NerveHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Integer.parseInt(args[2]));
            return;
        }
        int reps = intArg(args, "reps", 10);
        int intervalMs = intArg(args, "interval_ms", 500);
        int fall = intArg(args, "fall", 3);
        int sessionMs = intArg(args, "session_ms", 10_000);
        int killReps = intArg(args, "kill_reps", 5);
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            observer.start();
            observer.blockUntilConnected(30, TimeUnit.SECONDS);
            List<Double> fails = healthToDeletion(zk, observer, reps, intervalMs, fall);
            report(String.format(Locale.ROOT, "(a) health fails -> znode deleted, fall=%d x check_interval=%d ms = %d ms",
                    fall, intervalMs, fall * intervalMs), fails);
            List<Double> kills = killToRemoval(zk, observer, killReps, sessionMs);
            report(String.format(Locale.ROOT, "(b) kill -9 -> znode removed, session timeout = %d ms", sessionMs), kills);
        }
    }

    private static List<Double> healthToDeletion(TestingServer zk, CuratorFramework observer, int reps, int intervalMs,
            int fall) throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/health", ex -> {
            boolean ok = healthy.get();
            byte[] body = (ok ? "OK" : "DOWN").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ok ? 200 : 503, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        AtomicReference<CountDownLatch> registered = new AtomicReference<>(new CountDownLatch(1));
        List<Double> results = new ArrayList<>();
        try (NerveReporter reporter = NerveReporter.builder()
                .zooKeeper(ZooKeeperSettings.of(zk.getConnectString()))
                .listener(new NerveListener() {
                    @Override
                    public void registered(String service, String path) {
                        registered.get().countDown();
                    }
                })
                .service(NerveService.builder().name("bench").instanceId("health-1").host("127.0.0.1")
                        .port(http.getAddress().getPort()).zkPath(PATH)
                        .checkInterval(Duration.ofMillis(intervalMs)).fall(fall)
                        .check(HealthChecks.http().host("127.0.0.1").port(http.getAddress().getPort()).uri("/health")
                                .timeout(Duration.ofSeconds(1)).build())
                        .build())
                .build().start()) {
            for (int i = 0; i < reps; i++) {
                if (!registered.get().await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("not registered within 60 s");
                }
                String node = reporter.registeredPath("bench").orElseThrow();
                CountDownLatch deleted = watchDeletion(observer, node);
                registered.set(new CountDownLatch(1));
                // Fail at a random phase of the check cycle, as a real outage would.
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(intervalMs));
                long t0 = System.nanoTime();
                healthy.set(false);
                if (!deleted.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("not deleted within 60 s");
                }
                results.add((System.nanoTime() - t0) / 1e6);
                healthy.set(true);
            }
        } finally {
            http.stop(0);
        }
        return results;
    }

    private static List<Double> killToRemoval(TestingServer zk, CuratorFramework observer, int reps, int sessionMs)
            throws Exception {
        List<Double> results = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < reps; i++) {
            String id = "kill-" + i;
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    NerveHarness.class.getName(), "child", zk.getConnectString() + "," + id, Integer.toString(sessionMs))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String node = null;
                for (int lines = 0; lines < 1000 && node == null; lines++) {
                    String line = out.readLine();
                    if (line == null) {
                        throw new IllegalStateException("child exited before registering");
                    }
                    if (line.startsWith("registered ")) {
                        node = line.substring("registered ".length());
                    }
                }
                if (node == null) {
                    throw new IllegalStateException("child did not register");
                }
                CountDownLatch deleted = watchDeletion(observer, node);
                long t0 = System.nanoTime();
                child.destroyForcibly();
                if (!deleted.await(sessionMs * 3L + 30_000, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("not removed after " + (sessionMs * 3L + 30_000) + " ms");
                }
                results.add((System.nanoTime() - t0) / 1e6);
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
        return results;
    }

    /** The reporter process that is killed: registers, prints the path, waits. */
    private static void child(String connectAndId, int sessionMs) throws Exception {
        String connect = connectAndId.substring(0, connectAndId.lastIndexOf(','));
        String id = connectAndId.substring(connectAndId.lastIndexOf(',') + 1);
        CountDownLatch forever = new CountDownLatch(1);
        NerveReporter reporter = NerveReporter.builder()
                .zooKeeper(ZooKeeperSettings.builder().connectString(connect)
                        .sessionTimeout(Duration.ofMillis(sessionMs)).build())
                .listener(new NerveListener() {
                    @Override
                    public void registered(String service, String path) {
                        System.out.println("registered " + path);
                        System.out.flush();
                    }
                })
                .service(NerveService.builder().name("bench").instanceId(id).host("127.0.0.1").port(8080)
                        .zkPath(PATH).checkMocked(true).build())
                .build().start();
        forever.await();
        reporter.close();
    }

    private static CountDownLatch watchDeletion(CuratorFramework observer, String node) throws Exception {
        CountDownLatch deleted = new CountDownLatch(1);
        Watcher watcher = e -> {
            if (e.getType() == Watcher.Event.EventType.NodeDeleted) {
                deleted.countDown();
            }
        };
        if (observer.checkExists().usingWatcher(watcher).forPath(node) == null) {
            deleted.countDown();
        }
        return deleted;
    }

    private static void report(String title, List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        StringBuilder all = new StringBuilder();
        for (double d : ms) {
            all.append(all.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", d));
        }
        System.out.printf(Locale.ROOT, "%s%n    n=%d median=%.0f ms max=%.0f ms min=%.0f ms  [%s]%n", title, ms.size(),
                median, sorted.get(sorted.size() - 1), sorted.get(0), all);
    }

    private static int intArg(String[] args, String name, int defaultValue) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return Integer.parseInt(a.substring(name.length() + 1));
            }
        }
        return defaultValue;
    }
}
