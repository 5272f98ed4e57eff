package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@Tag("docker")
class ZooKeeperContainerEnsembleIT {
    @RegisterExtension
    static ZooKeeperExtension<ZooKeeperContainerEnsemble> zk = ZooKeeperExtension.testcontainersEnsemble(3);

    @Test
    void ensemble_killPauseAndStart_electsOneLeaderAndStaysWritable() throws Exception {
        ZooKeeperContainerEnsemble ensemble = zk.fixture();
        assertThat(IntStream.range(0, 3).mapToObj(ensemble::mode).map(m -> m.orElse("none")))
                .containsExactlyInAnyOrder("leader", "follower", "follower");
        try (CuratorFramework client = Clients.connected(zk.connectString())) {
            client.create().forPath("/before", "1".getBytes(UTF_8));

            int leader = ensemble.leader().orElseThrow();
            ensemble.kill(leader);
            await().atMost(Duration.ofSeconds(30)).until(() -> ensemble.mode(leader).isEmpty());
            ensemble.awaitLeader(Duration.ofSeconds(90));
            assertThat(ensemble.leader()).get().isNotEqualTo(leader);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> client.create().forPath("/during-kill", "2".getBytes(UTF_8)) != null);

            ensemble.start(leader);
            assertThat(ensemble.mode(leader)).hasValue("follower");

            int follower = IntStream.range(0, 3).filter(i -> ensemble.mode(i).filter("follower"::equals).isPresent())
                    .findFirst().orElseThrow();
            ensemble.pause(follower);
            await().atMost(Duration.ofSeconds(30)).until(() -> ensemble.mode(follower).isEmpty());
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> client.create().forPath("/during-pause", "3".getBytes(UTF_8)) != null);
            ensemble.unpause(follower);
            await().atMost(Duration.ofSeconds(60)).until(() -> ensemble.mode(follower).isPresent());
        }
        try (CuratorFramework rejoined = Clients.connected("127.0.0.1:" + ensemble.member(0).port())) {
            rejoined.sync().forPath("/");
            assertThat(rejoined.getData().forPath("/before")).asString(UTF_8).isEqualTo("1");
            assertThat(rejoined.getData().forPath("/during-kill")).asString(UTF_8).isEqualTo("2");
            assertThat(rejoined.getData().forPath("/during-pause")).asString(UTF_8).isEqualTo("3");
        }
    }
}
