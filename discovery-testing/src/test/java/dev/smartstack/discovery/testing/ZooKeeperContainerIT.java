package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@Tag("docker")
class ZooKeeperContainerIT {
    @RegisterExtension
    static ZooKeeperExtension<ZooKeeperContainer> zk = ZooKeeperExtension.testcontainers();

    @Test
    void start_client_connectsWritesAndReadsOnLoopback() throws Exception {
        assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.fixture().port());
        assertThat(zk.fixture().mode()).hasValue("standalone");
        assertThat(zk.fixture().container().getDockerImageName()).isEqualTo(ZooKeeperContainer.DEFAULT_IMAGE);
        zk.client().create().creatingParentsIfNeeded().forPath("/docker/a", "v".getBytes(UTF_8));
        assertThat(zk.client().getData().forPath("/docker/a")).asString(UTF_8).isEqualTo("v");
    }

    @Test
    void kill_thenRestart_keepsTheData() throws Exception {
        try (CuratorFramework client = Clients.connected(zk.connectString())) {
            client.create().creatingParentsIfNeeded().forPath("/docker/kept", "k".getBytes(UTF_8));
            zk.fixture().kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> zk.fixture().mode().isEmpty());
            assertThat(zk.fixture().isRunning()).isFalse();
            zk.fixture().restart();
            assertThat(client.blockUntilConnected(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.getData().forPath("/docker/kept")).asString(UTF_8).isEqualTo("k");
        }
    }
}
