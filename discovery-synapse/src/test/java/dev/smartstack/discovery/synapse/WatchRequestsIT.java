package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.PathEncoding;
import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The watch core's ZooKeeper requests, counted on the server ({@link ServerRequests}) for the
 * watcher's own session: exact numbers, not timings. N is a few thousand to keep the suite fast;
 * the counts do not depend on N except through the multi-reads, ⌈N / 1,000⌉.
 */
class WatchRequestsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int N = 2_500;
    private static final long MULTI_READS = (N + 999) / 1000;
    /** The one-off server probe (a multi-read of a path that never exists), once per watcher. */
    private static final long PROBE = 1;
    /** After a reconnect on the same session, the ZooKeeper client restores its watches: one request. */
    private static final long SET_WATCHES = 1;
    private static TestingServer server;
    private static CuratorFramework writer;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String path;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        writer = Zk.client(server.getConnectString(), Duration.ofSeconds(30));
        writer.blockUntilConnected();
    }

    @AfterAll
    static void stopServer() throws Exception {
        writer.close();
        server.close();
    }

    @BeforeEach
    void pathPerTest(TestInfo info) {
        path = "/services/" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private CuratorFramework quietClient(String connectString, Duration session) throws Exception {
        CuratorFramework c = closing(Zk.quietClient(connectString, session));
        assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private final CountingMetrics metrics = new CountingMetrics();

    private SynapseWatcher watch(CuratorFramework client, RecordingOutput out) {
        return closing(SynapseWatcher.builder().curator(client).metrics(metrics)
                .service(WatchedService.builder().name("web").path(path).build()).output(out).build().start());
    }

    private void createMany(int n, boolean pathEncoded) throws Exception {
        CountDownLatch created = new CountDownLatch(n);
        writer.create().creatingParentsIfNeeded().forPath(path);
        for (int i = 0; i < n; i++) {
            byte[] json = Zk.nerve("n" + i, "127.0.0.1", 10_000 + i);
            String name = pathEncoded ? PathEncoding.childPrefix(json).orElseThrow() : "n" + i + "_";
            writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).inBackground((c, e) -> created.countDown())
                    .forPath(path + "/" + name, json);
        }
        assertThat(created.await(60, TimeUnit.SECONDS)).isTrue();
    }

    private String encodedChild(String name, int port) {
        byte[] json = Zk.nerve(name, "127.0.0.1", port);
        return Zk.create(writer, path + "/" + PathEncoding.childPrefix(json).orElseThrow(), json,
                CreateMode.PERSISTENT_SEQUENTIAL);
    }

    private static boolean hasPort(SynapseWatcher w, int port) {
        return w.snapshot("web").backends().stream().anyMatch(i -> i.port() == port);
    }

    private void awaitRequests(CuratorFramework client, long expected) {
        await().atMost(WAIT).until(() -> ServerRequests.of(server.getPort(), client) >= expected);
        assertThat(ServerRequests.of(server.getPort(), client)).isEqualTo(expected);
    }

    private static void awaitView(SynapseWatcher w, Predicate<List<ServiceInstance>> p) {
        await().atMost(WAIT).until(() -> p.test(w.snapshot("web").backends()));
    }

    @Test
    void coldStartThenChanges_exactRequestsOnTheServer() throws Exception {
        createMany(N, false);
        CuratorFramework client = quietClient(server.getConnectString(), Duration.ofSeconds(30));
        assertThat(ServerRequests.of(server.getPort(), client)).isZero();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watch(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(w.snapshot("web").backends()).hasSize(N);
        // The probe, then addWatch + getChildren + ⌈N / 1,000⌉ multi-reads: 2 + ⌈N / 1,000⌉.
        long expected = PROBE + 2 + MULTI_READS;
        awaitRequests(client, expected);

        String joined = Zk.register(writer, path, "joiner", 9000, CreateMode.PERSISTENT_SEQUENTIAL);
        awaitView(w, b -> b.size() == N + 1);
        awaitRequests(client, expected += 1); // a join: one getData

        Zk.setData(writer, joined, Zk.nerve("joiner", "127.0.0.1", 9001));
        awaitView(w, b -> b.stream().anyMatch(i -> i.port() == 9001));
        awaitRequests(client, expected += 1); // a data change: one getData

        Zk.delete(writer, joined);
        awaitView(w, b -> b.size() == N);
        String encoded = encodedChild("encoded", 9100);
        awaitView(w, b -> b.size() == N + 1 && hasPort(w, 9100));
        Zk.delete(writer, encoded);
        awaitView(w, b -> b.size() == N);
        // A grandchild, the parent's own data, and a child that is gone before its read.
        String first = w.snapshot("web").backends().get(0).znodeName().orElseThrow();
        Zk.create(writer, path + "/" + first + "/nested", Zk.nerve("nested", "127.0.0.1", 7001), CreateMode.PERSISTENT);
        Zk.setData(writer, path, Zk.nerve("root", "127.0.0.1", 7000));
        writer.transaction().forOperations(
                writer.transactionOp().create().forPath(path + "/flash", Zk.nerve("flash", "127.0.0.1", 7002)),
                writer.transactionOp().delete().forPath(path + "/flash"));
        // A name that claims path encoding but does not decode: its data is read, and so is its change.
        String odd = Zk.create(writer, path + "/base64_12_notbase64_", Zk.nerve("odd", "127.0.0.1", 9140),
                CreateMode.PERSISTENT_SEQUENTIAL);
        awaitView(w, b -> hasPort(w, 9140));
        Zk.setData(writer, odd, Zk.nerve("odd", "127.0.0.1", 9150));
        Zk.register(writer, path, "last", 9200, CreateMode.PERSISTENT_SEQUENTIAL);
        awaitView(w, b -> b.size() == N + 2 && hasPort(w, 9200) && hasPort(w, 9150));
        // Leaves, the path-encoded join, the grandchild and the parent's data: nothing. The node gone
        // before its read: its one getData (answered NONODE). The undecodable name's join and data
        // change, and the last join: one each.
        awaitRequests(client, expected += 1 + 2 + 1);
        assertThat(w.snapshot("web").backends()).noneMatch(i -> i.port() == 7000 || i.port() == 7001
                || i.port() == 7002);
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
        out.assertDeltasConsistent("web");
    }

    @Test
    void resyncAfterConnectionDrop_listsOnceAndMultiReads_noChangeMissed() throws Exception {
        createMany(N, false);
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework client = quietClient(proxy.connectString(), Duration.ofSeconds(30));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watch(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        long before = PROBE + 2 + MULTI_READS;
        awaitRequests(client, before);
        ServiceInstance changed = w.snapshot("web").backends().get(10);
        ServiceInstance gone = w.snapshot("web").backends().get(20);

        proxy.cut();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        Zk.setData(writer, path + "/" + changed.znodeName().orElseThrow(), Zk.nerve(changed.name(), "127.0.0.1", 9300));
        Zk.delete(writer, path + "/" + gone.znodeName().orElseThrow());
        Zk.register(writer, path, "new", 9400, CreateMode.PERSISTENT_SEQUENTIAL);
        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

        assertThat(client.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(session);
        // The ZooKeeper client's own setWatches (it restores the session's watches), the watch added
        // again by PersistentWatcher, one getChildren, ⌈N / 1,000⌉ multi-reads.
        awaitRequests(client, before + SET_WATCHES + 2 + MULTI_READS);
        ServiceSnapshot firstLive = out.snapshots.stream().filter(s -> s.live() && s.version() > 1).findFirst()
                .orElseThrow();
        assertThat(firstLive.added()).extracting(ServiceInstance::port).containsExactly(9400);
        assertThat(firstLive.removed()).extracting(ServiceInstance::port).containsExactly(gone.port());
        assertThat(firstLive.changed()).extracting(ServiceInstance::port).containsExactly(9300);
        assertThat(firstLive.backends()).hasSize(N);
        out.assertDeltasConsistent("web");
    }

    @Test
    void resyncAfterSessionExpiry_newSessionListsOnceAndMultiReads() throws Exception {
        createMany(N, false);
        CuratorFramework client = quietClient(server.getConnectString(), Duration.ofSeconds(5));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watch(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();

        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await().atMost(WAIT).until(() -> client.getZookeeperClient().getZooKeeper().getSessionId() != session
                && client.getZookeeperClient().isConnected());
        Zk.register(writer, path, "after", 9500, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE && hasPort(w, 9500));
        // The new session: addWatch, getChildren, ⌈N / 1,000⌉ multi-reads; and the join's getData
        // unless the listing already held it.
        long requests = ServerRequests.of(server.getPort(), client);
        assertThat(requests).isBetween(2 + MULTI_READS, 2 + MULTI_READS + 1);
        assertThat(w.snapshot("web").backends()).hasSize(N + 1);
        out.assertDeltasConsistent("web");
    }

    @Test
    void pathEncoded_coldStartAndResync_oneListingAndNoReads() throws Exception {
        createMany(N, true);
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework client = quietClient(proxy.connectString(), Duration.ofSeconds(30));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watch(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(w.snapshot("web").backends()).hasSize(N)
                .allMatch(i -> i.znodeName().orElseThrow().startsWith(PathEncoding.PREFIX));
        long expected = PROBE + 2; // addWatch + getChildren: nothing is read
        awaitRequests(client, expected);

        proxy.cut();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        String extra = encodedChild("extra", 9600);
        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE && hasPort(w, 9600));
        awaitRequests(client, expected += SET_WATCHES + 2); // setWatches, addWatch again, getChildren

        Zk.delete(writer, extra);
        encodedChild("later", 9700);
        awaitView(w, b -> b.size() == N + 1 && hasPort(w, 9700));
        Zk.register(writer, path, "plain", 9800, CreateMode.PERSISTENT_SEQUENTIAL);
        awaitView(w, b -> b.size() == N + 2);
        awaitRequests(client, expected += 1); // only the plain join read its data

        // Hostile data in the name is refused as data would be, without reading anything.
        Zk.create(writer, path + "/" + PathEncoding.childPrefix(Zk.utf8("{\"host\":\"127.0.0.1\\nlisten x\","
                + "\"port\":80,\"name\":\"x\"}")).orElseThrow(), Zk.nerve("x", "127.0.0.1", 9900),
                CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> metrics.count(DiscoveryMetrics.ZNODE_REFUSED) == 1);
        Zk.register(writer, path, "plain2", 9810, CreateMode.PERSISTENT_SEQUENTIAL);
        awaitView(w, b -> b.size() == N + 3);
        awaitRequests(client, expected + 1);
        assertThat(w.snapshot("web").backends()).noneMatch(i -> i.port() == 9900 || i.port() == 80);
        assertThat(Set.copyOf(RecordingOutput.hostsPorts(w.snapshot("web").backends())))
                .contains("127.0.0.1:9700", "127.0.0.1:9800").doesNotContain("127.0.0.1:9600");
        out.assertDeltasConsistent("web");
    }
}
