package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

/**
 * The {@code multi} method with two separate real ZooKeeper servers (not an ensemble), one of which
 * goes down: union keeps the other's backends (and the lost one's last ones), sequential moves on
 * to the next watcher in its order and back when the first returns.
 */
class MultiDiscoveryIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/services/web";

    private static MultiDiscovery.Builder watchers(TestingServer a, TestingServer b) {
        return MultiDiscovery.builder()
                .watcher("a", WatchedService.builder().name("web").path(PATH).build(), settings(a))
                .watcher("b", WatchedService.builder().name("web").path(PATH).build(), settings(b));
    }

    private static ZooKeeperSettings settings(TestingServer s) {
        return ZooKeeperSettings.builder().connectString(s.getConnectString()).sessionTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void oneServerDown_unionKeepsTheOthers_sequentialFallsToTheNext() throws Exception {
        List<AutoCloseable> closeables = new ArrayList<>();
        try (TestingServer a = new TestingServer(true); TestingServer b = new TestingServer(true)) {
            CuratorFramework ca = Zk.client(a.getConnectString(), Duration.ofSeconds(30));
            CuratorFramework cb = Zk.client(b.getConnectString(), Duration.ofSeconds(30));
            closeables.add(ca);
            closeables.add(cb);
            ca.blockUntilConnected();
            cb.blockUntilConnected();
            // The same child names on both servers: two backends all the same.
            Zk.register(ca, PATH, "a1", 1001, CreateMode.PERSISTENT_SEQUENTIAL);
            Zk.register(cb, PATH, "b1", 2001, CreateMode.PERSISTENT_SEQUENTIAL);

            RecordingOutput out = new RecordingOutput();
            SynapseWatcher watcher = SynapseWatcher.builder()
                    .service(WatchedService.builder().name("union").multi(watchers(a, b).union().build()).build())
                    .service(WatchedService.builder().name("seq").multi(watchers(a, b).sequential(List.of("a", "b")).build())
                            .build())
                    .output(out)
                    .build()
                    .start();
            closeables.add(watcher);
            await().atMost(WAIT).until(() -> out.lastHosts("union"), h -> h.equals(Set.of("127.0.0.1:1001", "127.0.0.1:2001")));
            await().atMost(WAIT).until(() -> out.lastHosts("seq"), h -> h.equals(Set.of("127.0.0.1:1001")));
            assertThat(out.last("union").source()).isEqualTo(ServiceSnapshot.Source.MULTI);
            await().atMost(WAIT).until(() -> watcher.state() == SynapseWatcher.State.LIVE);

            a.stop();
            await().atMost(WAIT).until(() -> out.lastHosts("seq"), h -> h.equals(Set.of("127.0.0.1:2001")));
            assertThat(out.last("seq").live()).isTrue();
            Zk.register(cb, PATH, "b2", 2002, CreateMode.PERSISTENT_SEQUENTIAL);
            await().atMost(WAIT).until(() -> out.lastHosts("union"),
                    h -> h.equals(Set.of("127.0.0.1:1001", "127.0.0.1:2001", "127.0.0.1:2002")));
            assertThat(out.last("union").live()).isTrue();

            a.restart();
            await().atMost(WAIT).until(() -> out.lastHosts("seq"), h -> h.equals(Set.of("127.0.0.1:1001")));
            assertThat(out.last("seq").live()).isTrue();
        } finally {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
        }
    }
}
