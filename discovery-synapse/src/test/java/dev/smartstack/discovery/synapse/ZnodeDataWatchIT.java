package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import dev.smartstack.discovery.testing.FourLetterWords;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * A znode's own data watched with one {@code getData} per change, counted on the server for the
 * watch's own session ({@link ServerRequests}); each version reaches the listener once.
 */
class ZnodeDataWatchIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";

    record Seen(String data, long mzxid) {
    }

    @Test
    void dataChanges_oneGetDataEach_deletionAndCreationFollowed() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework writer = client(server);
                CuratorFramework client = client(server)) {
            writer.create().creatingParentsIfNeeded().forPath(PATH, bytes("v1"));
            List<Seen> seen = new CopyOnWriteArrayList<>();
            long before = ServerRequests.of(server.getPort(), client);
            try (ZnodeDataWatch watch = ZnodeDataWatch.builder().curator(client).path(PATH)
                    .listener((p, d, z) -> seen.add(new Seen(d == null ? null : new String(d, StandardCharsets.UTF_8), z)))
                    .build().start()) {
                assertThat(watch.path()).isEqualTo(PATH);
                await().atMost(WAIT).until(() -> seen.size() == 1);
                assertThat(seen.get(0).data()).isEqualTo("v1");
                awaitRequests(server, client, before + 1);

                writer.setData().forPath(PATH, bytes("v2"));
                await().atMost(WAIT).until(() -> seen.size() == 2);
                awaitRequests(server, client, before + 2);

                // Children come and go without a request: only the znode's own data is watched.
                writer.create().forPath(PATH + "/a_0000000001", bytes("{}"));
                writer.delete().forPath(PATH + "/a_0000000001");
                writer.setData().forPath(PATH, bytes("v3"));
                await().atMost(WAIT).until(() -> seen.size() == 3);
                awaitRequests(server, client, before + 3);

                // Deleted: the failed read and the exists watch; created again: one read.
                writer.delete().forPath(PATH);
                await().atMost(WAIT).until(() -> seen.size() == 4);
                assertThat(seen.get(3)).isEqualTo(new Seen(null, ZnodeDataWatch.ABSENT));
                awaitRequests(server, client, before + 5);
                writer.create().forPath(PATH, bytes("v4"));
                await().atMost(WAIT).until(() -> seen.size() == 5);
                awaitRequests(server, client, before + 6);
                assertThat(seen).extracting(Seen::data).containsExactly("v1", "v2", "v3", null, "v4");
                assertThat(seen).extracting(Seen::mzxid).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void sessionExpired_newSessionReadsOnceAndWatchesAgain() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework writer = client(server);
                CuratorFramework client = client(server)) {
            writer.create().creatingParentsIfNeeded().forPath(PATH, bytes("v1"));
            List<Seen> seen = new CopyOnWriteArrayList<>();
            try (ZnodeDataWatch watch = ZnodeDataWatch.builder().curator(client).path(PATH)
                    .listener((p, d, z) -> seen.add(new Seen(new String(d, StandardCharsets.UTF_8), z))).build().start()) {
                await().atMost(WAIT).until(() -> seen.size() == 1);
                long oldSession = client.getZookeeperClient().getZooKeeper().getSessionId();
                dev.smartstack.discovery.testing.ZooKeeperSessions.expire(client);
                writer.setData().forPath(PATH, bytes("v2")); // while the watch is gone with the old session
                await().atMost(WAIT).until(() -> client.getZookeeperClient().isConnected()
                        && client.getZookeeperClient().getZooKeeper().getSessionId() != oldSession);
                await().atMost(WAIT).until(() -> seen.size() == 2);
                awaitRequests(server, client, 1);
                writer.setData().forPath(PATH, bytes("v3"));
                await().atMost(WAIT).until(() -> seen.size() == 3);
                awaitRequests(server, client, 2);
                assertThat(seen).extracting(Seen::data).containsExactly("v1", "v2", "v3");
                assertThat(watch.path()).isEqualTo(PATH);
            }
        }
    }

    @Test
    void polled_noWatchSet_changesSeenOncePerVersion() throws Exception {
        try (TestingServer server = new TestingServer(true);
                CuratorFramework writer = client(server);
                CuratorFramework client = client(server)) {
            writer.create().creatingParentsIfNeeded().forPath(PATH, bytes("v1"));
            List<Seen> seen = new CopyOnWriteArrayList<>();
            try (ZnodeDataWatch watch = ZnodeDataWatch.builder().curator(client).path(PATH)
                    .pollingInterval(Duration.ofMillis(100))
                    .listener((p, d, z) -> seen.add(new Seen(d == null ? null : new String(d, StandardCharsets.UTF_8), z)))
                    .build().start()) {
                // Several polls of one version: one call.
                await().atMost(WAIT).until(() -> ServerRequests.of(server.getPort(), client) >= 3);
                assertThat(seen).extracting(Seen::data).containsExactly("v1");
                writer.setData().forPath(PATH, bytes("v2"));
                await().atMost(WAIT).until(() -> seen.size() == 2);
                writer.delete().forPath(PATH);
                await().atMost(WAIT).until(() -> seen.size() == 3);
                assertThat(seen).extracting(Seen::data).containsExactly("v1", "v2", null);
                assertThat(FourLetterWords.send(server.getPort(), "wchc")).doesNotContain(PATH);
                assertThat(watch.path()).isEqualTo(PATH);
            }
        }
    }

    @Test
    void build_missingOrBadSettings_named() {
        assertThatThrownBy(() -> ZnodeDataWatch.builder().path("/a").listener((p, d, z) -> { }).build())
                .hasMessage("curator is required");
        assertThatThrownBy(() -> ZnodeDataWatch.builder().path("a/b"))
                .hasMessage("path must be an absolute ZooKeeper path but was \"a/b\"");
    }

    private static void awaitRequests(TestingServer server, CuratorFramework client, long expected) {
        await().atMost(WAIT).until(() -> ServerRequests.of(server.getPort(), client) >= expected);
        assertThat(ServerRequests.of(server.getPort(), client)).isEqualTo(expected);
    }

    /** A client that makes no request of its own (Curator's ensemble tracker would read the config). */
    private static CuratorFramework client(TestingServer server) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
                .sessionTimeoutMs(30_000).connectionTimeoutMs(3_000).retryPolicy(new RetryOneTime(200))
                .ensembleTracker(false).build();
        c.start();
        assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
