package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SynapseListener;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchCoreLoop;
import dev.smartstack.discovery.synapse.WatchedService;
import dev.smartstack.discovery.testing.FourLetterWords;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;

/**
 * A quick in-process measurement of the watch core, not a test and not the cross-JVM benchmark
 * (that one is {@link WatchRace}): for each N, a cold start (time and server-side requests),
 * then joins, data changes and leaves one at a time, each timed from just before the writer's
 * request to the watcher publishing the snapshot that holds it, and the CPU time of the watcher's
 * own threads (its ZooKeeper event thread and its publish thread) per change; at the largest N,
 * the heap the watcher retains after a full GC.
 *
 * <pre>{@code
 * scripts/bench WatchCoreMeasurement 10000 100000     # -Dmeasure.coreOnly=true: the core only
 * }</pre>
 *
 * <p>Figures: docs/benchmarks.md, "Watch core in-process".
 */
public final class WatchCoreMeasurement {
    private static final int CHANGES = 300;
    private static final int WARM_UP = 300;

    private WatchCoreMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        int[] sizes = args.length == 0 ? new int[] {10_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int n : sizes) {
            WatchCoreLoop.run(n);
        }
        if (Boolean.getBoolean("measure.coreOnly")) {
            return;
        }
        for (int n : sizes) {
            run(n);
        }
    }

    private static void run(int n) throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework writer = client(server.getConnectString())) {
            String path = "/services/measure";
            writer.create().creatingParentsIfNeeded().forPath(path);
            CountDownLatch created = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).inBackground((c, e) -> created.countDown())
                        .forPath(path + "/n" + i + "_", nerve("n" + i, "127.0.0.1", 1 + i % 60_000));
            }
            if (!created.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("znodes not created");
            }
            long heapBefore = usedHeapAfterGc();

            Recorder recorder = new Recorder();
            CuratorFramework[] watcherClient = new CuratorFramework[1];
            // The watcher's client is made on a thread named "watcher", so that its ZooKeeper
            // threads are "watcher-EventThread" and "watcher-SendThread(...)".
            Thread maker = new Thread(() -> watcherClient[0] = client(server.getConnectString()), "watcher");
            maker.start();
            maker.join();
            long start = System.nanoTime();
            try (CuratorFramework c = watcherClient[0];
                    SynapseWatcher w = SynapseWatcher.builder().curator(c).listener(recorder)
                            .service(WatchedService.builder().name("web").path(path).build()).build().start()) {
                while (w.state() != SynapseWatcher.State.LIVE || w.snapshot("web").backends().size() != n) {
                    Thread.sleep(1);
                }
                long coldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                long coldRequests = requests(server, c);
                long heapAfter = usedHeapAfterGc();

                // Warm-up: the same changes, untimed, so that the timed ones run compiled code.
                changes(writer, path, n, recorder, WARM_UP, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                        new ArrayList<>());
                List<Long> join = new ArrayList<>();
                List<Long> change = new ArrayList<>();
                List<Long> leave = new ArrayList<>();
                List<Long> createRoundTrip = new ArrayList<>();
                long cpuBefore = watcherCpuNanos();
                long requestsBefore = requests(server, c);
                changes(writer, path, n, recorder, CHANGES, join, change, leave, createRoundTrip);
                double cpuPerChangeUs = (watcherCpuNanos() - cpuBefore) / 1_000.0 / (3.0 * CHANGES);
                long requests = requests(server, c) - requestsBefore;
                System.out.printf(Locale.ROOT, "N=%,d  cold start %,d ms, %d requests (probe included); retained heap "
                        + "%.1f MB%n", n, coldMs, coldRequests, (heapAfter - heapBefore) / 1e6);
                System.out.printf(Locale.ROOT, "  writer create() round trip %s%n", quantiles(createRoundTrip));
                System.out.printf(Locale.ROOT, "  join %s | data change %s | leave %s%n", quantiles(join),
                        quantiles(change), quantiles(leave));
                System.out.printf(Locale.ROOT, "  watcher CPU per change %.0f us; requests per join+change+leave %.2f%n",
                        cpuPerChangeUs, requests / (double) CHANGES);
            }
        }
    }

    /** {@code count} times: a join, a data change of the joined node, its leave; each awaited. */
    private static void changes(CuratorFramework writer, String path, int n, Recorder recorder, int count,
            List<Long> join, List<Long> change, List<Long> leave, List<Long> createRoundTrip) throws Exception {
        for (int k = 0; k < count; k++) {
            int port = 60_001 + k % 5_000;
            long t0 = System.nanoTime();
            String p = writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(path + "/j" + k + "_", nerve("j" + k, "127.0.0.1", port));
            createRoundTrip.add(System.nanoTime() - t0);
            String child = p.substring(p.lastIndexOf('/') + 1);
            join.add(recorder.await(t0, s -> has(s, child, port)));

            t0 = System.nanoTime();
            writer.setData().forPath(p, nerve("j" + k, "127.0.0.1", port + 1));
            change.add(recorder.await(t0, s -> has(s, child, port + 1)));

            t0 = System.nanoTime();
            writer.delete().forPath(p);
            leave.add(recorder.await(t0, s -> s.backends().size() == n));
        }
    }

    private static boolean has(ServiceSnapshot s, String child, int port) {
        for (ServiceInstance i : s.changed().isEmpty() ? s.added() : s.changed()) {
            if (child.equals(i.znodeName().orElse(null)) && i.port() == port) {
                return true;
            }
        }
        return false;
    }

    /** Remembers when each snapshot was published, on the publish thread. */
    private static final class Recorder implements SynapseListener {
        private volatile ServiceSnapshot last;
        private volatile long lastNanos;

        @Override
        public void published(ServiceSnapshot snapshot) {
            lastNanos = System.nanoTime();
            last = snapshot;
        }

        /** Nanoseconds from {@code t0} to the publication of the first snapshot that passes {@code p}. */
        long await(long t0, Predicate<ServiceSnapshot> p) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                ServiceSnapshot s = last;
                long at = lastNanos;
                if (s != null && at >= t0 && p.test(s)) {
                    return at - t0;
                }
                Thread.onSpinWait();
            }
            throw new IllegalStateException("no snapshot within 30 s");
        }
    }

    private static byte[] nerve(String name, String host, int port) {
        return NerveCodec.encode(ServiceInstance.of(name, host, port));
    }

    /** The requests answered so far on {@code client}'s session, as the server counts them. */
    private static long requests(TestingServer server, CuratorFramework client) throws Exception {
        return FourLetterWords.requestsAnswered(server.getPort(), client.getZookeeperClient().getZooKeeper().getSessionId());
    }

    private static String quantiles(List<Long> nanos) {
        long[] v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(Locale.ROOT, "p50 %.2f ms p99 %.2f ms max %.2f ms", v[v.length / 2] / 1e6,
                v[(int) Math.min(v.length - 1, Math.ceil(v.length * 0.99) - 1)] / 1e6, v[v.length - 1] / 1e6);
    }

    private static long watcherCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("watcher-EventThread") || name.startsWith("smartstack-synapse-publish")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static CuratorFramework client(String connectString) {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString).sessionTimeoutMs(60_000)
                .connectionTimeoutMs(10_000).retryPolicy(new RetryOneTime(200)).ensembleTracker(false).build();
        c.start();
        try {
            if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not connected");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return c;
    }
}
