package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

class ZooKeeperProcessIT {

    @Test
    void kill9_thenRestart_comesBackOnTheSamePortWithItsData() throws Exception {
        try (ZooKeeperProcess zk = ZooKeeperProcess.create().start();
                CuratorFramework client = Clients.connected(zk.connectString())) {
            assertThat(zk.mode()).hasValue("standalone");
            assertThat(zk.pid()).isNotEqualTo(ProcessHandle.current().pid());
            client.create().creatingParentsIfNeeded().forPath("/services/web", "persisted".getBytes(UTF_8));
            long firstPid = zk.pid();

            zk.kill9();
            assertThat(zk.isRunning()).isFalse();
            assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            assertThat(zk.mode()).isEmpty();
            await().atMost(Duration.ofSeconds(30)).until(() -> !client.getZookeeperClient().isConnected());

            zk.restart();
            assertThat(zk.pid()).isNotEqualTo(firstPid);
            assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.port());
            assertThat(client.blockUntilConnected(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.getData().forPath("/services/web")).asString(UTF_8).isEqualTo("persisted");
            assertThat(Files.exists(zk.logFile())).isTrue();
        }
    }

    @Test
    void close_runningServer_killsTheChildJvmAndDeletesItsData() {
        ZooKeeperProcess zk = ZooKeeperProcess.create().start();
        long pid = zk.pid();
        zk.close();
        zk.close();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(Files.exists(zk.dataDir())).isFalse();
    }

    @Test
    void create_badTickTime_isRefused() {
        assertThatThrownBy(() -> ZooKeeperProcess.create(Duration.ofMillis(10), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tickTime must be in [PT0.1S, PT10S] but was PT0.01S");
    }
}
