package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks never wait for ZooKeeper. Black-box, with ZooKeeper down for about 11 s while one
 * backend's /health failed, that backend was registered again as soon as ZooKeeper came back and
 * deregistered 0.4 to 0.5 s later: the only thread had been blocked in a ZooKeeper call for the
 * whole outage, so no check had run. Here a real ZooKeeper is stopped and restarted on the same
 * port, for longer than the session timeout, and the server's own count of child changes of the
 * service path ({@code cversion}) shows whether a node was ever created. Before checks had their
 * own thread, the first test ended with a cversion of 4: registered again, then deleted.
 */
class NerveChecksDuringOutageIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ZK_PATH = "/nerve/services/web/services";
    private static final Duration SESSION = Duration.ofSeconds(2);

    private TestingServer server;
    private CuratorFramework client;
    private final List<ConnectionState> states = new CopyOnWriteArrayList<>();
    private final AtomicBoolean healthy = new AtomicBoolean();
    private final AtomicInteger rounds = new AtomicInteger();
    private final RecordingListener events = new RecordingListener();

    @BeforeEach
    void startZooKeeper() throws Exception {
        // A short tick, so that the server accepts a 2 s session; the same port and data on restart.
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1);
        server = new TestingServer(spec, true);
        try (CuratorFramework admin = observer()) {
            admin.create().creatingParentsIfNeeded().forPath(ZK_PATH); // persistent, cversion 0
        }
        client = ZooKeeperSettings.builder().connectString(server.getConnectString()).sessionTimeout(SESSION)
                .build().newClient();
        client.getConnectionStateListenable().addListener((c, s) -> states.add(s));
        client.start();
    }

    @AfterEach
    void stopZooKeeper() throws Exception {
        client.close();
        server.close();
    }

    private CuratorFramework observer() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        c.start();
        assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private NerveReporter reporter(NerveListener extra) {
        return NerveReporter.builder().curator(client).listener(events).listener(extra)
                .service(NerveService.builder().name("web").instanceId("i-1").host("127.0.0.1").port(8080)
                        .zkPath(ZK_PATH).checkInterval(Duration.ofMillis(100))
                        .check(() -> {
                            rounds.incrementAndGet();
                            return healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("503");
                        })
                        .build())
                .build();
    }

    /** No node of any session but {@code oldSession} under the service path. */
    private static boolean onlyNodesOf(CuratorFramework observer, long oldSession) throws Exception {
        for (String child : observer.getChildren().forPath(ZK_PATH)) {
            Stat s = observer.checkExists().forPath(ZK_PATH + "/" + child);
            if (s != null && s.getEphemeralOwner() != oldSession) {
                return false;
            }
        }
        return true;
    }

    /**
     * Restarts ZooKeeper while the check keeps failing, and checks that over several seconds after
     * the reconnection no node of the new session appears, that the old one goes, and that the
     * server counted one create (the first registration) and one delete (its node) under the path:
     * not even a node created and deleted again between two looks.
     */
    private void restartAndAssertNeverRegisteredAgain(long oldSession) throws Exception {
        assertThat(oldSession).isNotZero();
        int beforeRestart = rounds.get();
        server.restart();
        await().atMost(WAIT).until(() -> states.lastIndexOf(ConnectionState.RECONNECTED)
                > states.indexOf(ConnectionState.LOST));
        try (CuratorFramework observer = observer()) {
            await().atMost(WAIT).during(Duration.ofSeconds(3)).until(() -> onlyNodesOf(observer, oldSession));
            await().atMost(WAIT).until(() -> observer.getChildren().forPath(ZK_PATH).isEmpty());
            assertThat(rounds.get()).isGreaterThan(beforeRestart + 5);
            assertThat(observer.checkExists().forPath(ZK_PATH).getCversion()).isEqualTo(2);
        }
        assertThat(events.count("registered")).isEqualTo(1);
        assertThat(events.count("up web")).isEqualTo(1);
    }

    @Test
    void checkFailsDuringOutageWhileRegistrationThreadIsInAZooKeeperCall_neverRegisteredAgain() throws Exception {
        healthy.set(true);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong oldSession = new AtomicLong();
        // The outage begins while the registration thread is inside ZooKeeper calls: the listener
        // stops the server between the create and the sweep that follows it on that thread.
        NerveListener stopOnFirstRegistration = new NerveListener() {
            @Override
            public void registered(String service, String path) {
                if (stopped.compareAndSet(false, true)) {
                    try {
                        oldSession.set(client.getZookeeperClient().getZooKeeper().getSessionId());
                        server.stop();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
        try (NerveReporter reporter = reporter(stopOnFirstRegistration).start()) {
            await().atMost(WAIT).untilTrue(stopped);
            healthy.set(false);
            // ZooKeeper comes back as soon as the session is given up for lost, as in the black-box
            // run (down 11 s, session 10 s): no waiting here for the checks to have noticed.
            await().atMost(WAIT).until(() -> states.contains(ConnectionState.LOST));
            restartAndAssertNeverRegisteredAgain(oldSession.get());
            assertThat(reporter.isRegistered("web")).isFalse();
        }
    }

    @Test
    void checkFailsDuringOutage_neverRegisteredAgain() throws Exception {
        healthy.set(true);
        try (NerveReporter reporter = reporter(new NerveListener() { }).start()) {
            await().atMost(WAIT).until(() -> reporter.isRegistered("web"));
            String first = reporter.registeredPath("web").orElseThrow();
            long oldSession;
            try (CuratorFramework observer = observer()) {
                oldSession = observer.checkExists().forPath(first).getEphemeralOwner();
                assertThat(observer.checkExists().forPath(ZK_PATH).getCversion()).isEqualTo(1);
            }

            server.stop();
            await().atMost(WAIT).until(() -> states.contains(ConnectionState.SUSPENDED));
            healthy.set(false);
            await().atMost(WAIT).until(() -> events.events.contains("down web: 503"));
            await().atMost(WAIT).until(() -> states.contains(ConnectionState.LOST));
            restartAndAssertNeverRegisteredAgain(oldSession);
        }
    }

    @Test
    void checkPassesDuringOutage_registeredWhenZooKeeperReturns() throws Exception {
        healthy.set(false);
        try (NerveReporter reporter = reporter(new NerveListener() { }).start()) {
            await().atMost(WAIT).until(() -> events.events.contains("down web: 503"));
            server.stop();
            await().atMost(WAIT).until(() -> states.contains(ConnectionState.SUSPENDED));

            healthy.set(true);
            // decided while ZooKeeper is away
            await().atMost(WAIT).until(() -> events.events.contains("up web"));
            assertThat(events.count("registered")).isZero();

            server.restart();
            try (CuratorFramework observer = observer()) {
                await().atMost(WAIT).until(() -> observer.getChildren().forPath(ZK_PATH).size() == 1);
                String child = observer.getChildren().forPath(ZK_PATH).get(0);
                assertThat(child).startsWith("i-1_");
                assertThat(new String(observer.getData().forPath(ZK_PATH + "/" + child), StandardCharsets.UTF_8))
                        .contains("\"port\":8080");
            }
            assertThat(events.events).containsSubsequence("up web", "registered " + ZK_PATH + "/"
                    + reporter.registeredPath("web").map(p -> p.substring(p.lastIndexOf('/') + 1)).orElseThrow());
        }
    }
}
