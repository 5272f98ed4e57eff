package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

class ZooKeeperProcessEnsembleIT {

    @Test
    void kill9_oneNodeOfThree_ensembleStaysWritableAndNodeRejoinsWithTheData() throws Exception {
        try (ZooKeeperProcessEnsemble zk = ZooKeeperProcessEnsemble.create(3).start();
                CuratorFramework client = Clients.connected(zk.connectString())) {
            int leader = zk.leader().orElseThrow();
            assertThat(IntStream.range(0, 3).mapToObj(zk::mode).map(m -> m.orElse("none")))
                    .containsExactlyInAnyOrder("leader", "follower", "follower");
            client.create().forPath("/before", "1".getBytes(UTF_8));

            zk.kill9(leader);
            assertThat(zk.isRunning(leader)).isFalse();
            zk.awaitLeader(Duration.ofSeconds(60));
            assertThat(zk.leader()).get().isNotEqualTo(leader);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> client.create().forPath("/during", "2".getBytes(UTF_8)) != null);

            zk.restart(leader);
            assertThat(zk.mode(leader)).hasValue("follower");
            try (CuratorFramework direct = Clients.connected("127.0.0.1:" + zk.port(leader))) {
                direct.sync().forPath("/");
                assertThat(direct.getData().forPath("/before")).asString(UTF_8).isEqualTo("1");
                assertThat(direct.getData().forPath("/during")).asString(UTF_8).isEqualTo("2");
            }
        }
    }
}
