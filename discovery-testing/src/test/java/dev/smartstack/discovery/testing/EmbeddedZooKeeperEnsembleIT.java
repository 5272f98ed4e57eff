package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.stream.IntStream;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

class EmbeddedZooKeeperEnsembleIT {

    @Test
    void stop_oneOfThreeMembers_ensembleStaysWritableAndMemberRejoins() throws Exception {
        try (EmbeddedZooKeeperEnsemble zk = EmbeddedZooKeeperEnsemble.create(3).start();
                CuratorFramework client = Clients.connected(zk.connectString())) {
            assertThat(zk.connectString().split(",")).hasSize(3).allMatch(s -> s.startsWith("127.0.0.1:"));
            int leader = zk.leader().orElseThrow();
            assertThat(IntStream.range(0, 3).mapToObj(zk::mode))
                    .filteredOn(m -> m.filter("follower"::equals).isPresent()).hasSize(2);
            client.create().forPath("/before", "1".getBytes(UTF_8));

            zk.stop(leader);
            await().atMost(Duration.ofSeconds(60)).until(() -> zk.leader().isPresent());
            assertThat(zk.leader()).get().isNotEqualTo(leader);
            client.create().forPath("/during", "2".getBytes(UTF_8));

            zk.restart(leader);
            await().atMost(Duration.ofSeconds(60)).until(() -> zk.mode(leader).isPresent());
            assertThat(client.getData().forPath("/before")).asString(UTF_8).isEqualTo("1");
            assertThat(client.getData().forPath("/during")).asString(UTF_8).isEqualTo("2");
        }
    }

    @Test
    void create_badSize_isRefused() {
        assertThatThrownBy(() -> EmbeddedZooKeeperEnsemble.create(0)).hasMessage("size must be in [1, 9] but was 0");
        assertThatThrownBy(() -> EmbeddedZooKeeperEnsemble.create(10)).hasMessage("size must be in [1, 9] but was 10");
    }
}
