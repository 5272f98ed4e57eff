package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ZooKeeper going away: outages, session expiry, start-up without ZooKeeper, a lost ensemble member. */
class SynapseOutageIT {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final Duration SESSION = Duration.ofSeconds(3);
    private static final String PATH = "/services/web";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    Path dir;

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

    private static WatchedService web() {
        return WatchedService.builder().name("web").path(PATH).build();
    }

    @Test
    void fullOutage_longerThanSessionTimeout_staleWhileDown_thenCatchesUpWithoutPassingThroughEmpty() throws Exception {
        TestingServer server = closing(new TestingServer(true));
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        CuratorFramework ephemeralOwner = Zk.client(server.getConnectString(), SESSION);
        Zk.register(writer, PATH, "stays", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.register(ephemeralOwner, PATH, "expires", 8002, CreateMode.EPHEMERAL_SEQUENTIAL);

        CuratorFramework watcherClient = closing(Zk.client(server.getConnectString(), SESSION));
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        watcherClient.getConnectionStateListenable().addListener((c, s) -> states.add(s));
        RecordingOutput out = new RecordingOutput();
        List<SynapseWatcher.State> watcherStates = new CopyOnWriteArrayList<>();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient)
                .service(WatchedService.builder().name("web").path(PATH).usePreviousBackends(false).build())
                .output(out)
                .listener(new SynapseListener() {
                    @Override
                    public void stateChanged(SynapseWatcher.State from, SynapseWatcher.State to) {
                        watcherStates.add(to);
                    }
                })
                .build().start());
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:8002")));

        server.stop();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        await().atMost(WAIT).until(() -> out.last("web") != null && !out.last("web").live());
        assertThat(out.lastHosts("web")).containsExactlyInAnyOrder("127.0.0.1:8001", "127.0.0.1:8002");
        ephemeralOwner.close(); // its session can only end by expiring on the server
        await().atMost(WAIT).until(() -> states.contains(ConnectionState.LOST));
        assertThat(w.snapshot("web").backends()).hasSize(2);

        server.restart();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Zk.register(writer, PATH, "joined", 8003, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:8003")));
        assertThat(out.last("web").live()).isTrue();
        assertThat(out.of("web")).allMatch(s -> !s.backends().isEmpty());
        assertThat(watcherStates).containsSubsequence(SynapseWatcher.State.LIVE, SynapseWatcher.State.STALE,
                SynapseWatcher.State.LIVE);
        out.assertDeltasConsistent("web");
    }

    @Test
    void sessionExpiry_ofWatcherClient_watcherResyncsAndKeepsFollowing() throws Exception {
        TestingServer server = closing(new TestingServer(true));
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        String a = Zk.register(writer, PATH, "a", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
        CuratorFramework watcherClient = closing(Zk.client(server.getConnectString(), SESSION));
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        watcherClient.getConnectionStateListenable().addListener((c, s) -> states.add(s));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient).service(web()).output(out)
                .build().start());
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

        watcherClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await().atMost(WAIT).until(() -> states.contains(ConnectionState.LOST));
        await().atMost(WAIT).until(() -> states.contains(ConnectionState.RECONNECTED));
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Zk.register(writer, PATH, "b", 8002, CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.delete(writer, a);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8002")));
        assertThat(out.of("web")).allMatch(s -> !s.backends().isEmpty());
        out.assertDeltasConsistent("web");
    }

    @Test
    void startUp_zooKeeperDown_servesStateFileUntilZooKeeperAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path state = dir.resolve("synapse.state.json");
        // First run: ZooKeeper up, the state file is written.
        try (TestingServer server = new TestingServer(port, dir.resolve("zk").toFile(), true)) {
            try (CuratorFramework writer = Zk.client(server.getConnectString(), Duration.ofSeconds(30))) {
                Zk.register(writer, PATH, "a", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
                Zk.register(writer, PATH, "b", 8002, CreateMode.PERSISTENT_SEQUENTIAL);
                try (CuratorFramework c = Zk.client(server.getConnectString(), SESSION);
                        SynapseWatcher w = SynapseWatcher.builder().curator(c).service(web()).stateFile(state)
                                .build().start()) {
                    await().atMost(WAIT).until(() -> Files.exists(state)
                            && Files.readString(state).contains("8002"));
                    assertThat(w.snapshot("web").backends()).hasSize(2);
                }
            }
        }
        // Second run: ZooKeeper is down.
        CuratorFramework c = closing(Zk.client("127.0.0.1:" + port, SESSION));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(c).service(web()).stateFile(state).output(out)
                .build().start());
        assertThat(w.awaitInitialized(Duration.ofSeconds(5))).isTrue();
        ServiceSnapshot fromFile = w.snapshot("web");
        assertThat(fromFile.source()).isEqualTo(ServiceSnapshot.Source.STATE_FILE);
        assertThat(fromFile.live()).isFalse();
        assertThat(RecordingOutput.hostsPorts(fromFile.backends()))
                .containsExactlyInAnyOrder("127.0.0.1:8001", "127.0.0.1:8002");
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STALE);
        await().atMost(WAIT).until(() -> out.last("web") != null);
        assertThat(out.last("web").source()).isEqualTo(ServiceSnapshot.Source.STATE_FILE);

        // ZooKeeper comes back empty (TestingServer dropped its data): use_previous_backends keeps
        // the saved backends until a registration appears.
        TestingServer server = closing(new TestingServer(port, dir.resolve("zk2").toFile(), true));
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(w.snapshot("web").source()).isEqualTo(ServiceSnapshot.Source.PREVIOUS);
        assertThat(w.snapshot("web").backends()).hasSize(2);
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        Zk.register(writer, PATH, "a", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001")));
        assertThat(w.snapshot("web").source()).isEqualTo(ServiceSnapshot.Source.ZOOKEEPER);
        out.assertDeltasConsistent("web");
    }

    @Test
    void startUp_stateFilePastTtl_ignored() throws Exception {
        Path state = dir.resolve("old.json");
        Files.writeString(state, "{\"version\":1,\"services\":{\"web\":{\"saved_at\":\"2026-01-01T00:00:00Z\","
                + "\"backends\":[{\"host\":\"127.0.0.1\",\"port\":8001,\"name\":\"a\",\"znode\":\"a_0000000001\"}]}}}");
        CuratorFramework c = closing(Zk.client("127.0.0.1:1", SESSION));
        Clock muchLater = Clock.fixed(java.time.Instant.parse("2026-01-02T00:00:01Z"), java.time.ZoneOffset.UTC);
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(c).service(web()).stateFile(state)
                .stateFileTtl(Duration.ofHours(24)).clock(muchLater).build().start());
        assertThat(w.snapshot("web").version()).isZero();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STARTING);

        Clock inTime = Clock.fixed(java.time.Instant.parse("2026-01-01T23:59:59Z"), java.time.ZoneOffset.UTC);
        CuratorFramework c2 = closing(Zk.client("127.0.0.1:1", SESSION));
        SynapseWatcher fresh = closing(SynapseWatcher.builder().curator(c2).service(web()).stateFile(state)
                .clock(inTime).build().start());
        assertThat(fresh.snapshot("web").backends()).extracting(ServiceInstance::port).containsExactly(8001);
        assertThat(fresh.snapshot("web").backends().get(0).znodeName()).contains("a_0000000001");
    }

    @Test
    void startUp_corruptedStateFile_badEntriesRefusedNeverCrashes() throws Exception {
        Path garbage = dir.resolve("garbage.json");
        Files.write(garbage, new byte[] {0, 1, 2, '{', '"'});
        CuratorFramework c = closing(Zk.client("127.0.0.1:1", SESSION));
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(c).service(web()).stateFile(garbage)
                .build().start());
        assertThat(w.snapshot("web").version()).isZero();

        Path mixed = dir.resolve("mixed.json");
        String now = java.time.Instant.now().toString();
        Files.writeString(mixed, "{\"version\":1,\"services\":{\"web\":{\"saved_at\":\"" + now + "\",\"backends\":["
                + "{\"host\":\"127.0.0.1\",\"port\":8001,\"name\":\"good\"},"
                + "{\"host\":\"127.0.0.1\\nbackend evil\",\"port\":8002,\"name\":\"bad\"},"
                + "{\"host\":\"127.0.0.1\",\"port\":70000,\"name\":\"bad2\"},"
                + "{\"host\":\"127.0.0.1\",\"port\":8003,\"name\":\"bad3\",\"znode\":\"../../etc\"},"
                + "42, \"str\", null]},"
                + "\"other\":{\"saved_at\":\"" + now + "\",\"backends\":\"nope\"}}}", StandardCharsets.UTF_8);
        CuratorFramework c2 = closing(Zk.client("127.0.0.1:1", SESSION));
        SynapseWatcher w2 = closing(SynapseWatcher.builder().curator(c2).service(web())
                .service(WatchedService.builder().name("other").path("/services/other").build())
                .stateFile(mixed).build().start());
        assertThat(w2.snapshot("web").backends()).extracting(ServiceInstance::address)
                .containsExactly("127.0.0.1:8001");
        assertThat(w2.snapshot("other").version()).isZero();
    }

    @Test
    void ensembleMemberKilled_watcherKeepsServingAndFollowing() throws Exception {
        TestingCluster cluster = closing(new TestingCluster(3));
        cluster.start();
        CuratorFramework writer = closing(Zk.client(cluster.getConnectString(), Duration.ofSeconds(30)));
        Zk.register(writer, PATH, "a", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
        CuratorFramework watcherClient = closing(Zk.client(cluster.getConnectString(), Duration.ofSeconds(10)));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient).service(web()).output(out)
                .build().start());
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        InstanceSpec connected = cluster.findConnectionInstance(watcherClient.getZookeeperClient().getZooKeeper());
        assertThat(cluster.killServer(connected)).isTrue();
        // The writer may have been on the killed member too, or an election may be running: retry,
        // with a fixed name so that a create that did succeed is not made twice.
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            try {
                writer.create().forPath(PATH + "/b_0000000099", Zk.nerve("b", "127.0.0.1", 8002));
            } catch (org.apache.zookeeper.KeeperException.NodeExistsException e) {
                // made by an earlier attempt
            }
            return true;
        });
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:8002")));
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(out.of("web")).allMatch(s -> !s.backends().isEmpty());
        out.assertDeltasConsistent("web");
    }

    @Test
    void znodeRecreatedWithSameVersion_whileWatcherDisconnected_newDataSeenAfterReconnect() throws Exception {
        // CuratorCache's rebuild after a reconnect compares only the data version, so a node deleted
        // and created again (version 0 both times, new data) while the watcher was away raised no
        // event, and the watcher kept serving the old port for good.
        TestingServer server = closing(new TestingServer(true));
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        Zk.create(writer, PATH + "/web-1", Zk.nerve("web-1", "127.0.0.1", 8001), CreateMode.PERSISTENT);
        CuratorFramework watcherClient = closing(Zk.client(proxy.connectString(), Duration.ofSeconds(20)));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient).service(web()).output(out)
                .build().start());
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001")));

        proxy.cut();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        Zk.delete(writer, PATH + "/web-1");
        Zk.create(writer, PATH + "/web-1", Zk.nerve("web-1", "127.0.0.1", 8002), CreateMode.PERSISTENT);
        assertThat(writer.checkExists().forPath(PATH + "/web-1").getVersion()).isZero();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STALE);

        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8002")));
        out.assertDeltasConsistent("web");
    }

    @Test
    void reconnect_backendsReplacedWhileAway_oneSnapshotNeverAnEmptyOrPartialSet() throws Exception {
        // The registry went {a, b} -> {a, b, c, d} -> {c, d} while the watcher was away, and never
        // held fewer than two backends. The resync after the reconnect dropped a and b before the
        // cache had loaded c and d, so an output saw an empty set (use_previous_backends off) and
        // then {c} alone: sets the registry never had.
        TestingServer server = closing(new TestingServer(true));
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        for (String n : List.of("a", "b")) {
            Zk.create(writer, PATH + "/" + n, Zk.nerve(n, "127.0.0.1", 8000 + n.charAt(0)), CreateMode.PERSISTENT);
        }
        CuratorFramework watcherClient = closing(Zk.client(proxy.connectString(), Duration.ofSeconds(20)));
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient)
                .service(WatchedService.builder().name("web").path(PATH).usePreviousBackends(false).build())
                .output(out).build().start());
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 2);

        proxy.cut();
        await().atMost(WAIT).until(() -> out.last("web") != null && !out.last("web").live());
        int before = out.of("web").size();
        for (String n : List.of("c", "d")) {
            Zk.create(writer, PATH + "/" + n, Zk.nerve(n, "127.0.0.1", 8000 + n.charAt(0)), CreateMode.PERSISTENT);
        }
        for (String n : List.of("a", "b")) {
            Zk.delete(writer, PATH + "/" + n);
        }
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STALE);

        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Set<String> cd = Set.of("127.0.0.1:" + (8000 + 'c'), "127.0.0.1:" + (8000 + 'd'));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(cd));
        List<ServiceSnapshot> after = out.of("web").subList(before, out.of("web").size());
        assertThat(after).allSatisfy(s -> assertThat(s.backends()).hasSize(2));
        assertThat(after.stream().filter(ServiceSnapshot::live)).allSatisfy(
                s -> assertThat(RecordingOutput.hostsPorts(s.backends())).isEqualTo(cd));
        out.assertDeltasConsistent("web");
    }

    /** A server, a proxy in front of it that a test can cut, a writer, and a watcher client behind the proxy. */
    private record Cuttable(TcpProxy proxy, CuratorFramework writer, CuratorFramework watcherClient) {
    }

    /** A {@link Cuttable} with nodes a, b and c (persistent, fixed names, ports 8000 + their letter). */
    private Cuttable cuttableWithAbc() throws Exception {
        TestingServer server = closing(new TestingServer(true));
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        for (String n : List.of("a", "b", "c")) {
            Zk.create(writer, PATH + "/" + n, Zk.nerve(n, "127.0.0.1", 8000 + n.charAt(0)), CreateMode.PERSISTENT);
        }
        return new Cuttable(proxy, writer, closing(Zk.client(proxy.connectString(), Duration.ofSeconds(20))));
    }

    @Test
    void reconnect_portChangedWhileAway_firstLiveSnapshotAlreadyHasTheNewPort() throws Exception {
        // After a resync the first snapshot marked live held only the membership changes; a port
        // changed during the outage arrived one or two snapshots (67-85 ms) later, so the view was
        // live with a stale port meanwhile.
        Cuttable z = cuttableWithAbc();
        TcpProxy proxy = z.proxy();
        CuratorFramework writer = z.writer();
        CuratorFramework watcherClient = z.watcherClient();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient).service(web()).output(out)
                .build().start());
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 3 && out.last("web").live());

        proxy.cut();
        await().atMost(WAIT).until(() -> !out.last("web").live());
        int before = out.of("web").size();
        Zk.setData(writer, PATH + "/a", Zk.nerve("a", "127.0.0.1", 9001));
        Zk.delete(writer, PATH + "/b");
        Zk.create(writer, PATH + "/d", Zk.nerve("d", "127.0.0.1", 8000 + 'd'), CreateMode.PERSISTENT);
        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Set<String> expected = Set.of("127.0.0.1:9001", "127.0.0.1:" + (8000 + 'c'), "127.0.0.1:" + (8000 + 'd'));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(expected));
        ServiceSnapshot firstLive = out.of("web").subList(before, out.of("web").size()).stream()
                .filter(ServiceSnapshot::live).findFirst().orElseThrow();
        assertThat(RecordingOutput.hostsPorts(firstLive.backends())).isEqualTo(expected);
        assertThat(firstLive.changed()).extracting(ServiceInstance::port).containsExactly(9001);
        assertThat(firstLive.removed()).extracting(ServiceInstance::name).containsExactly("b");
        assertThat(firstLive.added()).extracting(ServiceInstance::name).containsExactly("d");
        out.assertDeltasConsistent("web");
    }

    @Test
    void oneShotWatchFallback_changesWhileDisconnected_allSeenAfterReconnect() throws Exception {
        Cuttable z = cuttableWithAbc();
        TcpProxy proxy = z.proxy();
        CuratorFramework writer = z.writer();
        CuratorFramework watcherClient = z.watcherClient();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(watcherClient).service(web()).output(out)
                .build());
        w.start();
        w.fallBackToOneShotWatches();
        assertThat(w.usesOneShotWatches("web")).isTrue();
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 3 && w.state() == SynapseWatcher.State.LIVE);

        proxy.cut();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        Zk.delete(writer, PATH + "/a");
        Zk.create(writer, PATH + "/a", Zk.nerve("a", "127.0.0.1", 9001), CreateMode.PERSISTENT);
        Zk.setData(writer, PATH + "/c", Zk.nerve("c", "127.0.0.1", 9003));
        Zk.delete(writer, PATH + "/b");
        Zk.create(writer, PATH + "/d", Zk.nerve("d", "127.0.0.1", 8000 + 'd'), CreateMode.PERSISTENT);
        proxy.restore();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Set<String> expected = Set.of("127.0.0.1:9001", "127.0.0.1:9003", "127.0.0.1:" + (8000 + 'd'));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(expected));
        // The watches were set again: later changes are followed too.
        Zk.setData(writer, PATH + "/d", Zk.nerve("d", "127.0.0.1", 9004));
        Zk.delete(writer, PATH + "/a");
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:9003", "127.0.0.1:9004")));
        assertThat(out.of("web")).allMatch(s -> !s.backends().isEmpty());
        out.assertDeltasConsistent("web");
    }
}
