package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * ZooKeeper services added to and removed from a running {@link SynapseWatcher}, on a real server:
 * the added service's backends and changes, its requests counted on the server
 * ({@link ServerRequests}), the removed service's events costing no read and publishing nothing, and
 * a service added while the connection is down.
 */
class DynamicServicesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestingServer server;
    private static CuratorFramework writer;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String web;
    private String api;

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
    void pathsPerTest(TestInfo info) {
        String test = info.getTestMethod().orElseThrow().getName();
        web = "/dynamic/" + test + "/web";
        api = "/dynamic/" + test + "/api";
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

    private CuratorFramework quietClient(String connectString) throws Exception {
        CuratorFramework c = closing(Zk.quietClient(connectString, Duration.ofSeconds(30)));
        assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private SynapseWatcher watchWeb(CuratorFramework client, RecordingOutput out) {
        return closing(SynapseWatcher.builder().curator(client)
                .service(WatchedService.builder().name("web").path(web).build()).output(out).build().start());
    }

    private static WatchedService apiService(String path) {
        return WatchedService.builder().name("api").path(path).build();
    }

    private void awaitRequests(CuratorFramework client, long expected) {
        await().atMost(WAIT).until(() -> ServerRequests.of(server.getPort(), client) >= expected);
        assertThat(ServerRequests.of(server.getPort(), client)).isEqualTo(expected);
    }

    private static boolean hasPort(SynapseWatcher w, String service, int port) {
        return w.snapshot(service).backends().stream().anyMatch(i -> i.port() == port);
    }

    @Test
    void addService_running_seesBackendsAndChanges_sameRequestsAsAtStart() throws Exception {
        Zk.register(writer, web, "w", 8000, CreateMode.PERSISTENT_SEQUENTIAL);
        for (int i = 0; i < 3; i++) {
            Zk.register(writer, api, "a" + i, 9000 + i, CreateMode.PERSISTENT_SEQUENTIAL);
        }
        CuratorFramework client = quietClient(server.getConnectString());
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watchWeb(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        // The probe, then addWatch + getChildren + one multi-read for the builder's service.
        long expected = 1 + 3;
        awaitRequests(client, expected);

        w.addService(apiService(api));
        assertThat(w.awaitInitialized("api", WAIT)).isTrue();
        assertThat(w.snapshot("api").backends()).extracting(ServiceInstance::port).containsExactlyInAnyOrder(9000, 9001, 9002);
        assertThat(w.snapshot("api").live()).isTrue();
        assertThat(w.usesOneShotWatches("api")).isFalse();
        // The same as the builder's service at start, with no second probe: addWatch + getChildren + multi-read.
        awaitRequests(client, expected += 3);

        Zk.register(writer, api, "a3", 9003, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> hasPort(w, "api", 9003));
        awaitRequests(client, expected += 1); // a join: one getData
        await().atMost(WAIT).until(() -> out.last("api") != null && out.last("api").backends().size() == 4);
        out.assertDeltasConsistent("api");
        assertThat(w.services()).containsExactly("web", "api");
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
    }

    @Test
    void removeService_watchGoneFromServer_laterChangesPublishNothing() throws Exception {
        Zk.register(writer, web, "w", 8000, CreateMode.PERSISTENT_SEQUENTIAL);
        String a0 = Zk.register(writer, api, "a0", 9000, CreateMode.PERSISTENT_SEQUENTIAL);
        CuratorFramework client = quietClient(server.getConnectString());
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = closing(SynapseWatcher.builder().curator(client)
                .service(WatchedService.builder().name("web").path(web).build()).service(apiService(api))
                .output(out).build().start());
        assertThat(w.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> ServerRequests.watchedPaths(server.getPort(), client).contains(api));

        w.removeService("api");
        assertThat(w.services()).containsExactly("web");
        assertThatThrownBy(() -> w.snapshot("api")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service \"api\" is not watched; watched services are [web]");
        await().atMost(WAIT).until(() -> out.last("api") != null);
        int apiSnapshots = out.of("api").size();
        long requests = ServerRequests.of(server.getPort(), client);

        // A change of api, then one of web: web's snapshot comes after any api event would have.
        // Curator's PersistentWatcher is closed and the client drops api's events: no read for them.
        // (The server's wchc still lists the persistent watch until the session ends, while the client
        // no longer holds it: Curator removes it with WatcherType.Any. See docs/architecture.md.)
        Zk.setData(writer, a0, Zk.nerve("a0", "127.0.0.1", 9100));
        Zk.register(writer, api, "a1", 9001, CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.register(writer, web, "w2", 8001, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> hasPort(w, "web", 8001));
        await().atMost(WAIT).until(() -> out.last("web").backends().size() == 2);
        awaitRequests(client, requests + 1); // web's join: one getData; nothing for api
        assertThat(out.of("api")).hasSize(apiSnapshots);
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
    }

    @Test
    void addService_whileDisconnected_startsWhenTheConnectionIsBack() throws Exception {
        Zk.register(writer, web, "w", 8000, CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.register(writer, api, "a0", 9000, CreateMode.PERSISTENT_SEQUENTIAL);
        TcpProxy proxy = closing(new TcpProxy(server.getPort()));
        CuratorFramework client = quietClient(proxy.connectString());
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = watchWeb(client, out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

        proxy.cut();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.STALE);
        w.addService(apiService(api));
        assertThat(w.snapshot("api").version()).isZero();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.STALE);
        Zk.register(writer, api, "a1", 9001, CreateMode.PERSISTENT_SEQUENTIAL);

        proxy.restore();
        assertThat(w.awaitInitialized("api", WAIT)).isTrue();
        await().atMost(WAIT).until(() -> w.snapshot("api").backends().size() == 2 && w.snapshot("api").live());
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        Zk.register(writer, api, "a2", 9002, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> hasPort(w, "api", 9002));
    }

    @Test
    void addService_oneShotFallback_usesOneShotWatches() throws Exception {
        Zk.register(writer, web, "w", 8000, CreateMode.PERSISTENT_SEQUENTIAL);
        Zk.register(writer, api, "a0", 9000, CreateMode.PERSISTENT_SEQUENTIAL);
        CuratorFramework client = quietClient(server.getConnectString());
        SynapseWatcher w = watchWeb(client, new RecordingOutput());
        w.fallBackToOneShotWatches();
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);

        w.addService(apiService(api));
        assertThat(w.awaitInitialized("api", WAIT)).isTrue();
        assertThat(w.usesOneShotWatches("api")).isTrue();
        Zk.register(writer, api, "a1", 9001, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> hasPort(w, "api", 9001));
        w.removeService("api");
        assertThat(w.services()).containsExactly("web");
    }
}
