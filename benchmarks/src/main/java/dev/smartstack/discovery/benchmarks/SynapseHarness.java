package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.FileOutput;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Measures, against an in-process ZooKeeper (curator-test TestingServer):
 * <ul>
 *   <li>the latency from a znode create or delete (the moment the writer's create/delete call
 *       returns... measured from just before the call) to (a) an in-process output receiving the
 *       snapshot and (b) {@link FileOutput} having replaced {@code <service>.json};
 *   <li>the ZooKeeper read requests (getData, getChildren, exists) the watcher's client sends per
 *       change;
 *   <li>the cost of building one snapshot ({@link ServiceSnapshot#next}) at 1,000 backends.
 * </ul>
 * with 1, 100 and 1,000 existing backends. Every loop is bounded in count and in time.
 *
 * <p>Run: {@code java -cp ... dev.smartstack.discovery.benchmarks.SynapseHarness [iterations]}
 * (default 300 changes of each kind per backend count, after 30 warm-up rounds).
 */
public final class SynapseHarness {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration TIME_BUDGET_PER_SIZE = Duration.ofSeconds(90);

    private SynapseHarness() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int warmup = Math.max(5, iterations / 10);
        System.out.printf(Locale.ROOT, "SynapseHarness: %d changes of each kind per size, %d warm-up rounds, Java %s, %d CPUs%n",
                iterations, warmup, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        Path tmp = Files.createTempDirectory("synapse-harness");
        try (TestingServer server = new TestingServer(true);
                CuratorFramework writer = client(server.getConnectString(), null)) {
            writer.blockUntilConnected();
            System.out.println();
            System.out.println("| existing backends | change | in-process p50 | p99 | file p50 | p99 | reads per change (mean, max) |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int n : new int[] {1, 100, 1_000}) {
                measure(server, writer, n, iterations, warmup, tmp.resolve("n" + n));
            }
        }
        snapshotBuildCost();
    }

    private static void measure(TestingServer server, CuratorFramework writer, int n, int iterations, int warmup,
            Path outDir) throws Exception {
        String path = "/bench/n" + n;
        CountDownLatch created = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            writer.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .inBackground((c, e) -> created.countDown())
                    .forPath(path + "/existing" + i + "_", NerveCodec.encode(ServiceInstance.of("existing" + i,
                            "127.0.0.1", 10_000 + i)));
        }
        if (!created.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not create " + n + " backends");
        }
        ReadCounter reads = new ReadCounter();
        Probe inProcess = new Probe(null);
        Probe file = new Probe(FileOutput.builder().directory(outDir).build().start(Set.of("bench")));
        try (CuratorFramework watcherClient = client(server.getConnectString(), reads);
                SynapseWatcher watcher = SynapseWatcher.builder().curator(watcherClient)
                        .service(WatchedService.builder().name("bench").path(path).build())
                        .output(inProcess).output(file).build().start()) {
            if (!watcher.awaitInitialized(Duration.ofSeconds(60))
                    || !waitUntil(() -> watcher.state() == SynapseWatcher.State.LIVE, Duration.ofSeconds(60))) {
                throw new IllegalStateException("watcher did not initialize");
            }
            List<Long> createMem = new ArrayList<>();
            List<Long> createFile = new ArrayList<>();
            List<Long> deleteMem = new ArrayList<>();
            List<Long> deleteFile = new ArrayList<>();
            List<Long> createReads = new ArrayList<>();
            List<Long> deleteReads = new ArrayList<>();
            long deadline = System.nanoTime() + TIME_BUDGET_PER_SIZE.toNanos();
            for (int i = 0; i < warmup + iterations && System.nanoTime() < deadline; i++) {
                boolean record = i >= warmup;
                String probeName = "probe" + i;
                byte[] data = NerveCodec.encode(ServiceInstance.of("probe" + i, "127.0.0.1", 30_000 + (i % 30_000)));
                String[] created1 = new String[1];
                long r0 = reads.total();
                long[] t = change(inProcess, file, s -> s.added().stream()
                        .anyMatch(b -> b.name().equals(probeName)), () -> {
                            created1[0] = writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                                    .forPath(path + "/" + probeName + "_", data);
                        });
                long r1 = reads.total();
                String znode = created1[0].substring(created1[0].lastIndexOf('/') + 1);
                long[] d = change(inProcess, file, s -> s.removed().stream()
                        .anyMatch(b -> znode.equals(b.znodeName().orElse(null))), () -> {
                            writer.delete().forPath(created1[0]);
                        });
                long r2 = reads.total();
                if (record) {
                    createMem.add(t[0]);
                    createFile.add(t[1]);
                    deleteMem.add(d[0]);
                    deleteFile.add(d[1]);
                    createReads.add(r1 - r0);
                    deleteReads.add(r2 - r1);
                }
            }
            row(n, "create (join)", createMem, createFile, createReads);
            row(n, "delete (leave)", deleteMem, deleteFile, deleteReads);
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action} and returns the nanoseconds until each probe saw a snapshot matching {@code done}. */
    private static long[] change(Probe inProcess, Probe file, Predicate<ServiceSnapshot> done, Action action)
            throws Exception {
        CountDownLatch a = inProcess.expect(done);
        CountDownLatch b = file.expect(done);
        long start = System.nanoTime();
        action.run();
        if (!a.await(WAIT.toMillis(), TimeUnit.MILLISECONDS) || !b.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("a change did not arrive within " + WAIT);
        }
        return new long[] {inProcess.seenAt - start, file.seenAt - start};
    }

    private static void row(int n, String change, List<Long> mem, List<Long> file, List<Long> reads) {
        double mean = reads.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
        long max = reads.stream().mapToLong(Long::longValue).max().orElse(-1);
        System.out.printf(Locale.ROOT, "| %d | %s (%d samples) | %s | %s | %s | %s | %.2f, %d |%n", n, change, mem.size(),
                ms(Percentiles.of(mem, 50)), ms(Percentiles.of(mem, 99)), ms(Percentiles.of(file, 50)),
                ms(Percentiles.of(file, 99)), mean, max);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static void snapshotBuildCost() {
        List<ServiceInstance> backends = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            backends.add(ServiceInstance.builder().name("b" + i).host("127.0.0.1").port(10_000 + i)
                    .znodeName(String.format(Locale.ROOT, "b%d_%010d", i, i)).build());
        }
        ServiceSnapshot s = ServiceSnapshot.next(ServiceSnapshot.initial("x"), backends, ServiceSnapshot.Source.ZOOKEEPER,
                true, java.time.Instant.EPOCH);
        int rounds = 2_000;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long start = 0;
        int measured = 0;
        for (int i = 0; i < rounds * 2 && System.nanoTime() < deadline; i++) {
            if (i == rounds) {
                start = System.nanoTime();
            }
            List<ServiceInstance> next = new ArrayList<>(s.backends());
            next.set(i % next.size(), next.get(i % next.size()).withPort(20_000 + (i % 1000)));
            s = ServiceSnapshot.next(s, next, ServiceSnapshot.Source.ZOOKEEPER, true, java.time.Instant.EPOCH);
            if (i >= rounds) {
                measured++;
            }
        }
        if (measured > 0) {
            System.out.printf(Locale.ROOT, "%nServiceSnapshot.next with 1,000 backends (one changed): %.1f us per snapshot "
                    + "(%d rounds after %d warm-up)%n", (System.nanoTime() - start) / 1e3 / measured, measured, rounds);
        }
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    private static CuratorFramework client(String connectString, ReadCounter counter) {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs(30_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100));
        if (counter != null) {
            b.zookeeperFactory(counter);
        }
        CuratorFramework c = b.build();
        c.start();
        return c;
    }

    /** An output that notes when a snapshot satisfying the current expectation arrives (after delegating). */
    private static final class Probe implements SnapshotOutput {
        private final SnapshotOutput delegate;
        private volatile Predicate<ServiceSnapshot> expected;
        private volatile CountDownLatch latch;
        volatile long seenAt;

        Probe(SnapshotOutput delegate) {
            this.delegate = delegate;
        }

        CountDownLatch expect(Predicate<ServiceSnapshot> done) {
            CountDownLatch l = new CountDownLatch(1);
            latch = l;
            expected = done;
            return l;
        }

        @Override
        public void update(ServiceSnapshot snapshot) {
            if (delegate != null) {
                delegate.update(snapshot);
            }
            Predicate<ServiceSnapshot> e = expected;
            CountDownLatch l = latch;
            if (e != null && l != null && l.getCount() > 0 && e.test(snapshot)) {
                seenAt = System.nanoTime();
                expected = null;
                l.countDown();
            }
        }
    }

    /** Counts the read requests a client sends: asynchronous getData, getChildren and exists. */
    private static final class ReadCounter implements ZookeeperFactory {
        final AtomicLong count = new AtomicLong();

        long total() {
            return count.get();
        }

        @Override
        public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly)
                throws IOException {
            return new CountingZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, count);
        }
    }

    @SuppressWarnings("try")
    private static final class CountingZooKeeper extends ZooKeeper {
        private final AtomicLong count;

        CountingZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly,
                AtomicLong count) throws IOException {
            super(connectString, sessionTimeout, watcher, canBeReadOnly);
            this.count = count;
        }

        @Override
        public void getData(String path, Watcher watcher, AsyncCallback.DataCallback cb, Object ctx) {
            count.incrementAndGet();
            super.getData(path, watcher, cb, ctx);
        }

        @Override
        public void getData(String path, boolean watch, AsyncCallback.DataCallback cb, Object ctx) {
            count.incrementAndGet();
            super.getData(path, watch, cb, ctx);
        }

        @Override
        public void getChildren(String path, Watcher watcher, AsyncCallback.Children2Callback cb, Object ctx) {
            count.incrementAndGet();
            super.getChildren(path, watcher, cb, ctx);
        }

        @Override
        public void getChildren(String path, boolean watch, AsyncCallback.Children2Callback cb, Object ctx) {
            count.incrementAndGet();
            super.getChildren(path, watch, cb, ctx);
        }

        @Override
        public void getChildren(String path, Watcher watcher, AsyncCallback.ChildrenCallback cb, Object ctx) {
            count.incrementAndGet();
            super.getChildren(path, watcher, cb, ctx);
        }

        @Override
        public void getChildren(String path, boolean watch, AsyncCallback.ChildrenCallback cb, Object ctx) {
            count.incrementAndGet();
            super.getChildren(path, watch, cb, ctx);
        }

        @Override
        public void exists(String path, Watcher watcher, AsyncCallback.StatCallback cb, Object ctx) {
            count.incrementAndGet();
            super.exists(path, watcher, cb, ctx);
        }

        @Override
        public void exists(String path, boolean watch, AsyncCallback.StatCallback cb, Object ctx) {
            count.incrementAndGet();
            super.exists(path, watch, cb, ctx);
        }
    }
}
