package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class SynapseWatcherIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestingServer server;
    private static CuratorFramework writer;

    private final List<SynapseWatcher> watchers = new ArrayList<>();
    private final List<CuratorFramework> clients = new ArrayList<>();
    private String path;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        writer = Zk.client(server.getConnectString(), Duration.ofSeconds(10));
        writer.blockUntilConnected();
    }

    @AfterAll
    static void stopServer() throws Exception {
        writer.close();
        server.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void pathPerTest(TestInfo info) {
        path = "/services/" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeAll() {
        watchers.forEach(SynapseWatcher::close);
        clients.forEach(CuratorFramework::close);
    }

    private CuratorFramework client() {
        CuratorFramework c = Zk.client(server.getConnectString(), Duration.ofSeconds(10));
        clients.add(c);
        return c;
    }

    private SynapseWatcher start(SynapseWatcher.Builder b) {
        SynapseWatcher w = b.build();
        watchers.add(w);
        return w.start();
    }

    private SynapseWatcher.Builder watcher(WatchedService service, SnapshotOutput... outputs) {
        SynapseWatcher.Builder b = SynapseWatcher.builder().curator(client()).service(service);
        for (SnapshotOutput o : outputs) {
            b.output(o);
        }
        return b;
    }

    private WatchedService.Builder service() {
        return WatchedService.builder().name("web").path(path);
    }

    private String register(String name, int port) {
        return Zk.register(writer, path, name, port, CreateMode.PERSISTENT_SEQUENTIAL);
    }

    @Test
    void start_joinsLeavesAndDataChanges_snapshotsFollowInOrder() {
        String a = register("a", 8001);
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(w.snapshot("web").backends()).extracting(ServiceInstance::address).containsExactly("127.0.0.1:8001");
        assertThat(w.snapshot("web").live()).isTrue();

        String b = register("b", 8002);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:8002")));
        Zk.setData(writer, b, Zk.nerve("b", "127.0.0.1", 9002));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:9002")));
        assertThat(out.last("web").changed()).extracting(ServiceInstance::port).containsExactly(9002);
        Zk.delete(writer, a);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:9002")));
        assertThat(out.last("web").removed()).extracting(ServiceInstance::port).containsExactly(8001);
        assertThat(out.last("web").source()).isEqualTo(ServiceSnapshot.Source.ZOOKEEPER);
        out.assertDeltasConsistent("web");
        assertThat(out.threadNames).allMatch(n -> n.matches("smartstack-synapse-output-\\d+"));
        assertThat(out.calls).containsOnly("update"); // never started or closed by the watcher
    }

    @Test
    void start_pathMissing_emptyThenPickedUpWhenCreated() {
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.snapshot("web").backends()).isEmpty();

        register("a", 8001);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001")));
    }

    @Test
    void watch_deeperNodesAndPathData_ignored() {
        Zk.create(writer, path, Zk.nerve("root", "127.0.0.1", 7000), CreateMode.PERSISTENT);
        String a = register("a", 8001);
        Zk.create(writer, a + "/nested", Zk.nerve("nested", "127.0.0.1", 7001), CreateMode.PERSISTENT);
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        Zk.create(writer, a + "/nested2", Zk.nerve("nested2", "127.0.0.1", 7002), CreateMode.PERSISTENT);
        register("b", 8002);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:8002")));
        assertThat(w.snapshot("web").backends()).hasSize(2);
    }

    @Test
    void hostileZnodes_mixedWithGoodOnes_onlyGoodOnesAppearAndRefusalsAreCountedAndReported() {
        register("good1", 8001);
        List<byte[]> hostile = List.of(
                Zk.utf8("{not json"),
                Zk.utf8("{\"host\":\"127.0.0.1\\nlisten evil\",\"port\":80,\"name\":\"x\"}"),
                Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"name\":\"x\",\"haproxy_server_options\":\"check\\u0007\"}"),
                Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"name\":\"x\",\"haproxy_server_options\":\"check # evil\"}"),
                Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"name\":\"x\",\"haproxy_server_options\":\"check\\n"
                        + "server evil 127.0.0.1:80\"}"),
                Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":70000,\"name\":\"x\"}"),
                Zk.utf8("{\"host\":\"" + "a".repeat(100_000) + "\",\"port\":80}"),
                Zk.utf8("[1,2,3]"),
                Zk.utf8("\"just a string\""),
                new byte[0],
                Zk.utf8("{\"host\":\"127.0.0.1#x\",\"port\":80}"));
        for (byte[] data : hostile) {
            Zk.create(writer, path + "/bad_", data, CreateMode.PERSISTENT_SEQUENTIAL);
        }
        register("good2", 8002);
        CountingMetrics metrics = new CountingMetrics();
        List<String> refused = new CopyOnWriteArrayList<>();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out).metrics(metrics).listener(new SynapseListener() {
            @Override
            public void refused(String service, String znodePath, String reason) {
                refused.add(znodePath + " " + reason);
            }
        }));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> metrics.count(DiscoveryMetrics.ZNODE_REFUSED) == hostile.size());
        assertThat(w.snapshot("web").backends()).extracting(ServiceInstance::address)
                .containsExactlyInAnyOrder("127.0.0.1:8001", "127.0.0.1:8002");
        assertThat(refused).hasSize(hostile.size()).allMatch(r -> r.startsWith(path + "/bad_"))
                .allMatch(r -> r.indexOf('\n') < 0 && r.indexOf('\u0007') < 0);

        // Other backends keep working, and a refused znode is not reported again when nothing about it changed.
        register("good3", 8003);
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 3);
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED)).isEqualTo(hostile.size());
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
    }

    @Test
    void znode_turnsInvalidThenValid_removedThenBack() {
        String a = register("a", 8001);
        register("b", 8002);
        CountingMetrics metrics = new CountingMetrics();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out).metrics(metrics));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        Zk.setData(writer, a, Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":0}"));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8002")));
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED)).isEqualTo(1);
        Zk.setData(writer, a, Zk.nerve("a", "127.0.0.1", 8011));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8011", "127.0.0.1:8002")));
        out.assertDeltasConsistent("web");
    }

    @Test
    void thousandsOfBackends_createdInBackground_allArrive() throws Exception {
        int n = 3_000;
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        writer.create().creatingParentsIfNeeded().forPath(path + "/seed_", Zk.nerve("seed", "127.0.0.1", 1));
        CountDownLatch created = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .inBackground((c, e) -> created.countDown())
                    .forPath(path + "/n" + i + "_", Zk.nerve("n" + i, "127.0.0.1", 10_000 + i));
        }
        assertThat(created.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> w.snapshot("web").backends().size() == n + 1);
        Set<Integer> ports = new HashSet<>();
        w.snapshot("web").backends().forEach(i -> ports.add(i.port()));
        assertThat(ports).hasSize(n + 1).contains(1, 10_000, 10_000 + n - 1);
        await().atMost(WAIT).until(() -> out.last("web").backends().size() == n + 1);
        out.assertDeltasConsistent("web");
    }

    @Test
    void outputs_randomChanges_receiveConsistentDeltasInOrder() {
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        Random random = new Random(42);
        List<String> live = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 150; i++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                int port = 20_000 + i;
                live.add(register("r" + i, port));
                expected.add("127.0.0.1:" + port);
            } else {
                String victim = live.remove(random.nextInt(live.size()));
                Zk.delete(writer, victim);
                expected.remove("127.0.0.1:" + victim.substring(victim.lastIndexOf("/r") + 2,
                        victim.lastIndexOf('_')).transform(s -> String.valueOf(20_000 + Integer.parseInt(s))));
            }
        }
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(expected));
        out.assertDeltasConsistent("web");
    }

    @Test
    void blockedOutput_doesNotHoldBackAnother_andGetsCoalescedDelta() {
        RecordingOutput blocked = new RecordingOutput();
        RecordingOutput free = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), blocked, free));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> blocked.snapshots.size() == 1);
        CountDownLatch gate = new CountDownLatch(1);
        blocked.gate = gate;
        register("a", 8001);
        await().atMost(WAIT).until(() -> free.lastHosts("web").size() == 1);
        for (int i = 0; i < 20; i++) {
            register("b" + i, 8100 + i);
        }
        await().atMost(WAIT).until(() -> free.lastHosts("web").size() == 21);
        assertThat(blocked.snapshots).hasSize(1);
        gate.countDown();
        await().atMost(WAIT).until(() -> blocked.lastHosts("web").size() == 21);
        // The blocked output was handed far fewer snapshots, each with a delta against what it saw.
        assertThat(blocked.snapshots.size()).isLessThan(free.snapshots.size());
        blocked.assertDeltasConsistent("web");
        free.assertDeltasConsistent("web");
        assertThat(blocked.threadNames.get(0)).isNotEqualTo(free.threadNames.get(0));
    }

    @Test
    void outputFailsOnce_lastChangeRetried_withoutAnotherChange() {
        // A snapshot the output threw on was dropped: with no later change, the output (a file on a
        // disk that was full for a moment, say) stayed behind for good.
        AtomicInteger calls = new AtomicInteger();
        RecordingOutput recorded = new RecordingOutput();
        SnapshotOutput flaky = new SnapshotOutput() {
            @Override
            public void update(ServiceSnapshot snapshot) {
                if (calls.incrementAndGet() == 2) {
                    throw new IllegalStateException("disk full");
                }
                recorded.update(snapshot);
            }
        };
        SynapseWatcher w = start(watcher(service().build(), flaky));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> calls.get() == 1);
        register("a", 8001);
        await().atMost(WAIT).until(() -> recorded.lastHosts("web").equals(Set.of("127.0.0.1:8001")));
        assertThat(calls.get()).isEqualTo(3);
        recorded.assertDeltasConsistent("web");
    }

    @Test
    void throwingOutput_isReportedAndDoesNotStopOthers() {
        AtomicInteger calls = new AtomicInteger();
        SnapshotOutput failing = s -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        };
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        RecordingOutput out = new RecordingOutput();
        CountingMetrics metrics = new CountingMetrics();
        SynapseWatcher w = start(watcher(service().build(), failing, out).metrics(metrics).listener(new SynapseListener() {
            @Override
            public void outputFailed(SnapshotOutput output, ServiceSnapshot snapshot, Throwable error) {
                failures.add(error);
            }
        }));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        register("a", 8001);
        register("b", 8002);
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 2);
        await().atMost(WAIT).until(() -> calls.get() >= 2);
        assertThat(failures).isNotEmpty().allMatch(t -> t.getMessage().equals("boom"));
        assertThat(metrics.count(SynapseWatcher.OUTPUT_FAILED)).isGreaterThanOrEqualTo(2);
        // propagation is timed per output, and only for a snapshot the output took (a lambda is "output")
        await().atMost(WAIT).until(() -> metrics.snapshot()
                .getOrDefault("smartstack.synapse.snapshot.latency{service=web,detail=RecordingOutput}", 0L) >= 2);
        assertThat(metrics.snapshot()).doesNotContainKey("smartstack.synapse.snapshot.latency{service=web,detail=output}");
    }

    @Test
    void fileOutputAndServiceProvider_fedByWatcher_trackGoodBackendsOnly(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("retired.json"), "[]");
        register("a", 8001);
        Zk.create(writer, path + "/bad_", Zk.utf8("{\"host\":\"127.0.0.1\",\"port\":80,\"name\":\"x\","
                + "\"haproxy_server_options\":\"check\\nserver evil 127.0.0.2:80\"}"), CreateMode.PERSISTENT_SEQUENTIAL);
        FileOutput file = FileOutput.builder().directory(dir).build().start(java.util.Set.of("web")); // its owner starts it
        ServiceProvider provider = ServiceProvider.builder().service("web").build();
        CountingMetrics metrics = new CountingMetrics();
        SynapseWatcher w = start(watcher(service().build(), file, provider).metrics(metrics));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        java.nio.file.Path json = dir.resolve("web.json");
        await().atMost(WAIT).until(() -> java.nio.file.Files.exists(json)
                && java.nio.file.Files.readString(json).contains("8001"));
        assertThat(java.nio.file.Files.exists(dir.resolve("retired.json"))).isFalse();
        assertThat(java.nio.file.Files.readString(json)).doesNotContain("evil");
        assertThat(provider.next().port()).isEqualTo(8001);
        register("b", 8002);
        await().atMost(WAIT).until(() -> java.nio.file.Files.readString(json).contains("8002"));
        await().atMost(WAIT).until(() -> provider.instances().size() == 2);
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED)).isEqualTo(1);
    }

    private static String savedAt(java.nio.file.Path state, String service) throws Exception {
        com.fasterxml.jackson.databind.JsonNode entry = SynapseJson.MAPPER.readTree(java.nio.file.Files.readAllBytes(state))
                .path("services").path(service);
        return entry.path("saved_at").asText(null);
    }

    @Test
    void stateFile_writtenAtomically_serviceEntryOnlyWhenItsBackendsChange(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String a = register("a", 8001);
        String otherPath = path + "-other";
        java.nio.file.Path state = dir.resolve("state/synapse.json");
        CountingMetrics metrics = new CountingMetrics();
        SynapseWatcher w = start(watcher(service().build())
                .service(WatchedService.builder().name("other").path(otherPath).build())
                .stateFile(state).metrics(metrics));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> java.nio.file.Files.exists(state) && savedAt(state, "web") != null
                && savedAt(state, "other") != null && java.nio.file.Files.readString(state).contains("8001"));
        String webSavedAt = savedAt(state, "web");

        // Nothing that web serves changes: a refused znode, and the same data written again.
        Zk.create(writer, path + "/bad_", Zk.utf8("{\"port\":1}"), CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.setData(writer, a, Zk.nerve("a", "127.0.0.1", 8001));
        await().atMost(WAIT).until(() -> metrics.count(DiscoveryMetrics.ZNODE_REFUSED) == 1);
        // A change in the other service rewrites the file, but web's entry keeps its time.
        Zk.register(writer, otherPath, "o", 8100, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> java.nio.file.Files.readString(state).contains("8100"));
        assertThat(savedAt(state, "web")).isEqualTo(webSavedAt);

        register("b", 8002);
        await().atMost(WAIT).until(() -> java.nio.file.Files.readString(state).contains("8002"));
        assertThat(savedAt(state, "web")).isNotEqualTo(webSavedAt);
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(state.getParent())) {
            assertThat(files).extracting(f -> f.getFileName().toString()).containsExactly("synapse.json");
        }
    }

    @Test
    void stateFile_quietService_entryKeptFresherThanTheTtl(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // Entries were saved on change only: a service whose backends stayed the same for longer
        // than the TTL (24 h by default: any stable service) found its entry expired at the next
        // start-up, and a watcher started while ZooKeeper was down served nothing.
        register("a", 8001);
        java.nio.file.Path state = dir.resolve("synapse.json");
        SynapseWatcher w = start(watcher(service().build()).stateFile(state).stateFileTtl(Duration.ofSeconds(2)));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> java.nio.file.Files.exists(state) && savedAt(state, "web") != null);
        java.time.Instant first = java.time.Instant.parse(savedAt(state, "web"));
        await().atMost(WAIT).until(() -> java.time.Instant.parse(savedAt(state, "web")).isAfter(first.plusMillis(400)));
        assertThat(java.nio.file.Files.readString(state)).contains("8001");
    }

    @Test
    void labelFilters_keepOnlyMatchingBackends() {
        Zk.create(writer, path + "/a_", Zk.nerve(ServiceInstance.builder().name("a").host("127.0.0.1").port(8001)
                .labels(java.util.Map.of("zone", "a", "tier", "gold")).build()), CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.create(writer, path + "/b_", Zk.nerve(ServiceInstance.builder().name("b").host("127.0.0.1").port(8002)
                .labels(java.util.Map.of("zone", "b", "tier", "gold")).build()), CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.create(writer, path + "/c_", Zk.nerve(ServiceInstance.builder().name("c").host("127.0.0.1").port(8003)
                .labels(java.util.Map.of("zone", "a", "tier", "tin")).build()), CreateMode.PERSISTENT_SEQUENTIAL);
        register("d", 8004);
        SynapseWatcher w = start(watcher(service()
                .labelFilter(LabelFilter.equalTo("zone", "a"))
                .labelFilter(LabelFilter.notEqualTo("tier", "tin")).build()));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.snapshot("web").backends()).extracting(ServiceInstance::port).containsExactly(8001);
    }

    @Test
    void leaderElection_onlyLowestSequence_andNextLeaderTakesOver() {
        String first = register("a", 8001);
        register("b", 8002);
        register("c", 8003);
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().leaderElection(true).build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.snapshot("web").backends()).extracting(ServiceInstance::port).containsExactly(8001);
        Zk.delete(writer, first);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8002")));
    }

    @Test
    void backendPortOverride_replacesDiscoveredPorts() {
        register("a", 8001);
        register("b", 8002);
        SynapseWatcher w = start(watcher(service().backendPortOverride(9999).build()));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.snapshot("web").backends()).extracting(ServiceInstance::address)
                .containsExactly("127.0.0.1:9999", "127.0.0.1:9999");
    }

    @Test
    void defaultServers_usedWhenNoneDiscovered_andKeptWhenAsked() {
        ServiceInstance fallback = ServiceInstance.of("fallback", "127.0.0.1", 7000);
        SynapseWatcher w = start(watcher(service().defaultServers(List.of(fallback)).usePreviousBackends(false).build()));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.snapshot("web").backends()).containsExactly(fallback);
        assertThat(w.snapshot("web").source()).isEqualTo(ServiceSnapshot.Source.DEFAULT_SERVERS);
        String a = register("a", 8001);
        await().atMost(WAIT).until(() -> w.snapshot("web").backends().size() == 1
                && w.snapshot("web").backends().get(0).port() == 8001);
        assertThat(w.snapshot("web").source()).isEqualTo(ServiceSnapshot.Source.ZOOKEEPER);
        Zk.delete(writer, a);
        await().atMost(WAIT).until(() -> w.snapshot("web").backends().equals(List.of(fallback)));

        SynapseWatcher kept = start(SynapseWatcher.builder().curator(client()).service(WatchedService.builder()
                .name("kept").path(path).defaultServers(List.of(fallback)).keepDefaultServers(true).build()));
        register("b", 8002);
        assertThat(kept.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> kept.snapshot("kept").backends().size() == 2);
        assertThat(kept.snapshot("kept").backends()).extracting(ServiceInstance::port).containsExactlyInAnyOrder(7000, 8002);
    }

    @Test
    void usePreviousBackends_lastBackendLeaves_keptAsPrevious_unlessTurnedOff() {
        String a = register("a", 8001);
        SynapseWatcher on = start(watcher(service().build()));
        SynapseWatcher off = start(SynapseWatcher.builder().curator(client())
                .service(WatchedService.builder().name("off").path(path).usePreviousBackends(false).build()));
        assertThat(on.awaitInitialized(WAIT)).isTrue();
        assertThat(off.awaitInitialized(WAIT)).isTrue();
        Zk.delete(writer, a);
        await().atMost(WAIT).until(() -> off.snapshot("off").backends().isEmpty());
        await().atMost(WAIT).until(() -> on.snapshot("web").source() == ServiceSnapshot.Source.PREVIOUS);
        assertThat(on.snapshot("web").backends()).extracting(ServiceInstance::port).containsExactly(8001);
        register("b", 8002);
        await().atMost(WAIT).until(() -> on.snapshot("web").source() == ServiceSnapshot.Source.ZOOKEEPER);
        assertThat(on.snapshot("web").backends()).extracting(ServiceInstance::port).containsExactly(8002);
    }

    @Test
    void readsPerChange_joinAmongThousandBackends_costsConstantReads_leaveCostsNone() throws Exception {
        int n = 1_000;
        CountDownLatch created = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            writer.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .inBackground((c, e) -> created.countDown())
                    .forPath(path + "/n" + i + "_", Zk.nerve("n" + i, "127.0.0.1", 10_000 + i));
        }
        assertThat(created.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Zk.ReadCounter reads = new Zk.ReadCounter();
        CuratorFramework counted = Zk.client(server.getConnectString(), Duration.ofSeconds(10), reads);
        clients.add(counted);
        SynapseWatcher w = start(SynapseWatcher.builder().curator(counted).service(service().build()));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

        long before = reads.total();
        String joined = register("joiner", 9000);
        await().atMost(WAIT).until(() -> w.snapshot("web").backends().size() == n + 1);
        long perJoin = reads.total() - before;
        assertThat(perJoin).isBetween(1L, 2L);

        before = reads.total();
        Zk.delete(writer, joined);
        await().atMost(WAIT).until(() -> w.snapshot("web").backends().size() == n);
        assertThat(reads.total() - before).isZero();
    }

    @Test
    void serverProbe_zooKeeper39_usesPersistentWatch_andLeavesNoProbeNode() throws Exception {
        SynapseWatcher w = start(watcher(service().build()));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        assertThat(w.usesOneShotWatches("web")).isFalse();
        assertThat(writer.checkExists().forPath(ServerProbe.PATH)).isNull();
    }

    @Test
    void oneShotWatchFallback_asForAServerOlderThan36_joinsLeavesAndDataChangesStillFollowed() {
        String a = register("a", 8001);
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watcher(service().build(), out).build();
        watchers.add(w);
        w.start();
        w.fallBackToOneShotWatches();
        assertThat(w.usesOneShotWatches("web")).isTrue();
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001")));
        String b = register("b", 8002);
        await().atMost(WAIT).until(() -> out.lastHosts("web").size() == 2);
        Zk.setData(writer, b, Zk.nerve("b", "127.0.0.1", 9002));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:8001", "127.0.0.1:9002")));
        Zk.delete(writer, a);
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:9002")));
        Zk.setData(writer, b, Zk.nerve("b", "127.0.0.1", 9003));
        await().atMost(WAIT).until(() -> out.lastHosts("web").equals(Set.of("127.0.0.1:9003")));
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
        out.assertDeltasConsistent("web");
    }

    @Test
    void lifecycle_startTwiceFails_closeTwiceIsHarmless_borrowedClientStaysOpen() {
        CuratorFramework borrowed = client();
        SynapseWatcher w = SynapseWatcher.builder().curator(borrowed).service(service().build()).build();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LATENT);
        w.start();
        assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("SynapseWatcher cannot be started: it is ");
        w.close();
        w.close();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.CLOSED);
        assertThat(borrowed.getState()).isEqualTo(CuratorFrameworkState.STARTED);
        assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("SynapseWatcher cannot be started: it is CLOSED");
    }

    @Test
    void close_lateServerProbeAnswer_leavesNoThreadBehind(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        // The server probe answers in the background; an answer that said "older than 3.6" after
        // close() started a TreeCache (a thread and watches on the caller's client) that nothing closed.
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        SynapseWatcher w = start(watcher(service().build(), new RecordingOutput()).stateFile(dir.resolve("state.json")));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        w.close();
        w.fallBackToOneShotWatches(); // as the probe's callback does on UNIMPLEMENTED
        assertThat(w.usesOneShotWatches("web")).isFalse();
        await().atMost(WAIT).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(n -> n.startsWith("smartstack-synapse") || n.contains("TreeCache")))
                .isEmpty());
    }

    @Test
    void close_outputsAreTheCallers_lastSnapshotDeliveredAndNothingAfter() {
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = start(watcher(service().build(), out));
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> out.snapshots.size() == 1);
        w.close();
        int calls = out.calls.size();
        assertThat(out.calls).containsOnly("update");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                && t.getName().startsWith("smartstack-synapse-output-") && t.getThreadGroup() != null
                && out.threadNames.contains(t.getName()));
        assertThat(out.calls).hasSize(calls);
    }

    @Test
    void snapshot_unknownService_clearMessage() {
        SynapseWatcher w = watcher(service().build()).build();
        watchers.add(w);
        assertThatThrownBy(() -> w.snapshot("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service \"nope\" is not watched; watched services are [web]");
        assertThat(w.services()).containsExactly("web");
    }
}
