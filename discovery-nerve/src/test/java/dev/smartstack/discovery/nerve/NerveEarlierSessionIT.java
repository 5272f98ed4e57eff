package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * Found by discovery-chaos's ChaosIT ("kill -9 all three, then restart them"): when ZooKeeper is
 * away for longer than the session timeout, Curator gives the session up on the client side, but
 * the restarted servers restore it with a fresh timeout, so its node lives on for one more session
 * timeout. Nerve, on its new session, created its new node first and only then deleted the earlier
 * session's: for that moment the instance was registered twice (a watcher on the path saw two
 * registrations of one backend). Now the earlier node is deleted and the new one created in one
 * multi: the parent's last child change ({@code pzxid}) is the new node's creation ({@code czxid}).
 */
class NerveEarlierSessionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ZK_PATH = "/nerve/services/web/services";
    /** Long enough that the restored session outlives the reporter's reconnection. */
    private static final Duration SESSION = Duration.ofSeconds(6);

    @Test
    void sessionGivenUpWhileServerAway_earlierNodeReplacedInOneTransaction_neverRegisteredTwice() throws Exception {
        // A 400 ms tick allows sessions up to 8 s; the same port and data on restart.
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 400, -1);
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        try (TestingServer server = new TestingServer(spec, true);
                CuratorFramework client = ZooKeeperSettings.builder().connectString(server.getConnectString())
                        .sessionTimeout(SESSION).build().newClient()) {
            client.getConnectionStateListenable().addListener((c, s) -> states.add(s));
            client.start();
            try (NerveReporter reporter = NerveReporter.builder().curator(client)
                    .service(NerveService.builder().name("web").instanceId("i-1").host("127.0.0.1").port(8080)
                            .zkPath(ZK_PATH).checkInterval(Duration.ofMillis(100)).check(HealthResult::ok).build())
                    .build().start()) {
                await().atMost(WAIT).until(() -> reporter.registeredPath("web").isPresent());
                String first = reporter.registeredPath("web").orElseThrow();
                long firstSession = client.getZookeeperClient().getZooKeeper().getSessionId();

                server.stop();
                await().atMost(WAIT).until(() -> states.contains(ConnectionState.LOST)); // given up by the client
                server.restart();

                await().atMost(WAIT).until(() -> reporter.registeredPath("web").filter(p -> !p.equals(first)).isPresent());
                String second = reporter.registeredPath("web").orElseThrow();
                try (CuratorFramework observer = CuratorFrameworkFactory.newClient(server.getConnectString(),
                        new RetryOneTime(100))) {
                    observer.start();
                    assertThat(observer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
                    Stat parent = observer.checkExists().forPath(ZK_PATH);
                    Stat node = observer.checkExists().forPath(second);
                    assertThat(observer.getChildren().forPath(ZK_PATH)).containsExactly(second.substring(ZK_PATH.length() + 1));
                    assertThat(node.getEphemeralOwner()).isNotEqualTo(firstSession);
                    assertThat(parent.getPzxid()).as("the earlier node went in the transaction that made the new one")
                            .isEqualTo(node.getCzxid());
                }
            }
        }
    }
}
