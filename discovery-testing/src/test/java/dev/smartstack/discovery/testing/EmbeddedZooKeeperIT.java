package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

class EmbeddedZooKeeperIT {

    @Test
    void start_client_connectsWritesAndReads() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start();
                CuratorFramework client = Clients.connected(zk.connectString())) {
            assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.port());
            client.create().creatingParentsIfNeeded().forPath("/a/b", "v".getBytes(UTF_8));
            assertThat(client.getData().forPath("/a/b")).asString(UTF_8).isEqualTo("v");
            assertThat(FourLetterWords.mode(zk.port())).hasValue("standalone");
        }
    }

    @Test
    void restart_afterStop_keepsPortAndData() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start();
                CuratorFramework client = Clients.connected(zk.connectString())) {
            int port = zk.port();
            client.create().forPath("/kept", "data".getBytes(UTF_8));
            zk.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> !client.getZookeeperClient().isConnected());
            assertThat(FourLetterWords.mode(port)).isEmpty();
            zk.restart();
            assertThat(zk.port()).isEqualTo(port);
            assertThat(client.blockUntilConnected(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.getData().forPath("/kept")).asString(UTF_8).isEqualTo("data");
        }
    }

    @Test
    void expire_clientSession_deletesItsEphemeralsAndCuratorReportsLost() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start();
                CuratorFramework client = Clients.connected(zk.connectString());
                CuratorFramework observer = Clients.connected(zk.connectString())) {
            List<ConnectionState> states = new CopyOnWriteArrayList<>();
            client.getConnectionStateListenable().addListener((c, s) -> states.add(s));
            client.create().withMode(CreateMode.EPHEMERAL).forPath("/eph");
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();

            ZooKeeperSessions.expire(client);

            assertThat(observer.checkExists().forPath("/eph")).isNull();
            await().atMost(Duration.ofSeconds(60)).until(() -> states.contains(ConnectionState.LOST));
            await().atMost(Duration.ofSeconds(60)).until(() -> states.contains(ConnectionState.RECONNECTED));
            assertThat(client.getZookeeperClient().getZooKeeper().getSessionId()).isNotEqualTo(session);
        }
    }

    @Test
    void start_twice_isRefused() {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start()) {
            assertThatThrownBy(zk::start).isInstanceOf(IllegalStateException.class)
                    .hasMessage("EmbeddedZooKeeper cannot be started: it is STARTED");
        }
    }

    @Test
    void close_twice_isHarmlessAndConnectStringIsRefusedAfterwards() {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start();
        zk.close();
        zk.close();
        assertThatThrownBy(zk::connectString).isInstanceOf(IllegalStateException.class)
                .hasMessage("EmbeddedZooKeeper is not started: it is CLOSED");
    }
}
