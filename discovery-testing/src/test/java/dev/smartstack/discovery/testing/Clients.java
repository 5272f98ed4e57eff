package dev.smartstack.discovery.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import dev.smartstack.discovery.core.ZooKeeperSettings;

/** Test helpers: connected clients. */
final class Clients {
    private Clients() {
    }

    static CuratorFramework connected(String connectString) throws InterruptedException {
        CuratorFramework client = ZooKeeperSettings.builder().connectString(connectString)
                .sessionTimeout(Duration.ofSeconds(20)).connectionTimeout(Duration.ofSeconds(5))
                .retryPolicy(new ExponentialBackoffRetry(100, 29, 1_000)).build().newClient();
        client.start();
        assertThat(client.blockUntilConnected(60, TimeUnit.SECONDS)).as("connected to %s", connectString).isTrue();
        return client;
    }
}
