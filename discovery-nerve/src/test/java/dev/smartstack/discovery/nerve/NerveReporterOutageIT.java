package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.curator.test.TestingZooKeeperServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** ZooKeeper going away: a short outage, down at start-up, one node of an ensemble. */
class NerveReporterOutageIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ZK_PATH = "/nerve/services/web/services";

    private static NerveService service(AtomicInteger rounds) {
        return NerveService.builder().name("web").instanceId("i-1").host("127.0.0.1").port(8080)
                .zkPath(ZK_PATH).checkInterval(Duration.ofMillis(100))
                .check(() -> {
                    rounds.incrementAndGet();
                    return HealthResult.ok();
                })
                .build();
    }

    private static CuratorFramework observer(String connectString) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100));
        c.start();
        c.blockUntilConnected(30, TimeUnit.SECONDS);
        return c;
    }

    private static List<String> children(CuratorFramework c) throws Exception {
        return c.checkExists().forPath(ZK_PATH) == null ? List.of() : c.getChildren().forPath(ZK_PATH);
    }

    @Test
    void shortDisconnect_withinSession_nodeNotRecreated() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            CuratorFramework client = ZooKeeperSettings.builder().connectString(server.getConnectString())
                    .sessionTimeout(Duration.ofSeconds(20)).build().newClient();
            List<ConnectionState> states = new CopyOnWriteArrayList<>();
            client.getConnectionStateListenable().addListener((c, s) -> states.add(s));
            client.start();
            AtomicInteger rounds = new AtomicInteger();
            RecordingListener events = new RecordingListener();
            try (client; NerveReporter reporter = NerveReporter.builder().curator(client).listener(events)
                    .service(service(rounds)).build().start()) {
                await().atMost(WAIT).until(() -> reporter.isRegistered("web"));
                String path = reporter.registeredPath("web").orElseThrow();
                long czxid;
                try (CuratorFramework observer = observer(server.getConnectString())) {
                    czxid = observer.checkExists().forPath(path).getCzxid();
                }

                server.stop();
                await().atMost(WAIT).until(() -> states.contains(ConnectionState.SUSPENDED));
                server.restart();
                await().atMost(WAIT).until(() -> states.contains(ConnectionState.RECONNECTED));
                int after = rounds.get();
                await().atMost(WAIT).until(() -> rounds.get() >= after + 5);

                try (CuratorFramework observer = observer(server.getConnectString())) {
                    assertThat(children(observer)).hasSize(1);
                    Stat stat = observer.checkExists().forPath(path);
                    assertThat(stat).isNotNull();
                    assertThat(stat.getCzxid()).isEqualTo(czxid);
                }
                assertThat(states).doesNotContain(ConnectionState.LOST);
                assertThat(events.count("registered")).isEqualTo(1);
                assertThat(events.count("deregistered")).isZero();
            }
        }
    }

    @Test
    void zooKeeperDownAtStart_registersWhenReachable() throws Exception {
        try (TestingServer server = new TestingServer(InstanceSpec.getRandomPort(), false)) {
            AtomicInteger rounds = new AtomicInteger();
            try (NerveReporter reporter = NerveReporter.builder()
                    .zooKeeper(ZooKeeperSettings.of(server.getConnectString()))
                    .service(service(rounds)).build().start()) {
                await().atMost(WAIT).until(() -> rounds.get() >= 3);
                assertThat(reporter.isRegistered("web")).isFalse();

                server.start();
                await().atMost(WAIT).until(() -> reporter.isRegistered("web"));
                try (CuratorFramework observer = observer(server.getConnectString())) {
                    assertThat(children(observer)).containsExactly("i-1_0000000000");
                }
            }
        }
    }

    @Test
    void ensembleNodeKilledAndRestarted_registrationStays() throws Exception {
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            AtomicInteger rounds = new AtomicInteger();
            CuratorFramework client = ZooKeeperSettings.builder().connectString(cluster.getConnectString())
                    .sessionTimeout(Duration.ofSeconds(20)).build().newClient();
            client.start();
            try (client; NerveReporter reporter = NerveReporter.builder().curator(client)
                    .service(service(rounds)).build().start();
                    CuratorFramework observer = observer(cluster.getConnectString())) {
                await().atMost(WAIT).until(() -> reporter.isRegistered("web"));
                String path = reporter.registeredPath("web").orElseThrow();
                long czxid = observer.checkExists().forPath(path).getCzxid();

                InstanceSpec connected = cluster.findConnectionInstance(client.getZookeeperClient().getZooKeeper());
                assertThat(connected).isNotNull();
                assertThat(cluster.killServer(connected)).isTrue();
                int after = rounds.get();
                await().atMost(WAIT).until(() -> rounds.get() >= after + 5
                        && client.getZookeeperClient().isConnected());
                assertThat(observer.checkExists().forPath(path).getCzxid()).isEqualTo(czxid);

                assertThat(cluster.restartServer(connected)).isTrue();
                TestingZooKeeperServer restarted = cluster.getServers().stream()
                        .filter(s -> s.getInstanceSpec().equals(connected)).findFirst().orElseThrow();
                assertThat(restarted).isNotNull();
                int later = rounds.get();
                await().atMost(WAIT).until(() -> rounds.get() >= later + 5);
                assertThat(children(observer)).hasSize(1);
                assertThat(observer.checkExists().forPath(path).getCzxid()).isEqualTo(czxid);
                assertThat(reporter.registeredPath("web")).contains(path);
            }
        }
    }

    @Test
    void close_duringOutage_returnsAndStopsEveryThread() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            AtomicInteger rounds = new AtomicInteger();
            java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
            NerveReporter reporter = NerveReporter.builder()
                    .zooKeeper(ZooKeeperSettings.builder().connectString(server.getConnectString())
                            .sessionTimeout(Duration.ofSeconds(20)).build())
                    .deregisterTimeout(Duration.ofSeconds(1))
                    .service(service(rounds)).build().start();
            await().atMost(WAIT).until(() -> reporter.isRegistered("web"));

            // Closed at once: the reporter's thread may be blocked in a ZooKeeper call that waits
            // for the connection; close() gives up after deregisterTimeout and still stops it.
            server.stop();
            java.util.concurrent.CompletableFuture<Void> closed =
                    java.util.concurrent.CompletableFuture.runAsync(reporter::close);
            await().atMost(WAIT).until(closed::isDone);
            await().atMost(WAIT).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.isAlive()).map(Thread::getName)
                    .filter(n -> n.startsWith("smartstack-nerve")))
                    .isEmpty());
        }
    }
}
