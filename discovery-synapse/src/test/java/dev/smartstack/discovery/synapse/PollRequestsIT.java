package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.PathEncoding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The poll source ({@code zookeeper_poll}): its requests per poll counted on the server
 * ({@link ServerRequests}), and no watch left on the server. The regular polls are an hour apart, so
 * that the test drives each poll itself and the counts are exact.
 */
class PollRequestsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int N = 2_100;
    private static final long MULTI_READS = (N + 999) / 1000;
    private static final long PROBE = 1;
    private static final String PATH = "/services/polled";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestingServer server;
    private CuratorFramework writer;

    @BeforeEach
    void startServer() throws Exception {
        server = closing(new TestingServer(true));
        writer = closing(Zk.client(server.getConnectString(), Duration.ofSeconds(30)));
        writer.blockUntilConnected();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private CuratorFramework quietClient() throws Exception {
        CuratorFramework c = closing(Zk.quietClient(server.getConnectString(), Duration.ofSeconds(30)));
        assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    private SynapseWatcher poll(CuratorFramework client, Duration interval, RecordingOutput out) {
        return closing(SynapseWatcher.builder().curator(client).output(out)
                .service(WatchedService.builder().name("web").path(PATH).pollingInterval(interval).build())
                .build().start());
    }

    private void createMany(int n) throws Exception {
        CountDownLatch created = new CountDownLatch(n);
        writer.create().creatingParentsIfNeeded().forPath(PATH);
        for (int i = 0; i < n; i++) {
            writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).inBackground((c, e) -> created.countDown())
                    .forPath(PATH + "/n" + i + "_", Zk.nerve("n" + i, "127.0.0.1", 10_000 + i));
        }
        assertThat(created.await(60, TimeUnit.SECONDS)).isTrue();
    }

    private void awaitRequests(CuratorFramework client, long expected) {
        await().atMost(WAIT).until(() -> ServerRequests.of(server.getPort(), client) >= expected);
        assertThat(ServerRequests.of(server.getPort(), client)).isEqualTo(expected);
    }

    private List<String> watchesOf(CuratorFramework client) throws Exception {
        return ServerRequests.watchedPaths(server.getPort(), client);
    }

    private static boolean hasPort(SynapseWatcher w, int port) {
        return w.snapshot("web").backends().stream().anyMatch(i -> i.port() == port);
    }

    @Test
    void eachPoll_listsOnceAndMultiReads_noWatchOnTheServer() throws Exception {
        createMany(N);
        CuratorFramework client = quietClient();
        RecordingOutput out = new RecordingOutput();
        SynapseWatcher w = poll(client, Duration.ofHours(1), out);
        await().atMost(WAIT).until(() -> w.state() == SynapseWatcher.State.LIVE);
        assertThat(w.snapshot("web").backends()).hasSize(N);
        // The probe, then getChildren + ⌈N / 1,000⌉ multi-reads; no addWatch.
        long expected = PROBE + 1 + MULTI_READS;
        awaitRequests(client, expected);
        assertThat(watchesOf(client)).isEmpty();

        String joined = Zk.register(writer, PATH, "joiner", 9000, CreateMode.PERSISTENT_SEQUENTIAL);
        String first = PATH + "/" + w.snapshot("web").backends().get(0).znodeName().orElseThrow();
        Zk.setData(writer, first, Zk.nerve("changed", "127.0.0.1", 9001));
        assertThat(w.pollNow("web")).isTrue();
        await().atMost(WAIT).until(() -> hasPort(w, 9000) && hasPort(w, 9001));
        // One poll: getChildren + the multi-reads of every child, the new one included.
        awaitRequests(client, expected += 1 + (N + 1 + 999) / 1000);

        Zk.delete(writer, joined);
        byte[] json = Zk.nerve("encoded", "127.0.0.1", 9100);
        Zk.create(writer, PATH + "/" + PathEncoding.childPrefix(json).orElseThrow(), json,
                CreateMode.PERSISTENT_SEQUENTIAL);
        assertThat(w.pollNow("web")).isTrue();
        await().atMost(WAIT).until(() -> hasPort(w, 9100) && !hasPort(w, 9000));
        // A path-encoded child is read from its name: the same requests as before.
        awaitRequests(client, expected += 1 + MULTI_READS);
        assertThat(w.snapshot("web").backends()).hasSize(N + 1);
        assertThat(watchesOf(client)).isEmpty();
        assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
        out.assertDeltasConsistent("web");
    }

    @Test
    void theIntervalPolls_withoutBeingAsked() throws Exception {
        writer.create().creatingParentsIfNeeded().forPath(PATH);
        Zk.register(writer, PATH, "a", 9500, CreateMode.PERSISTENT_SEQUENTIAL);
        CuratorFramework client = quietClient();
        SynapseWatcher w = poll(client, Duration.ofMillis(WatchedService.Builder.MIN_POLL_MILLIS),
                new RecordingOutput());
        await().atMost(WAIT).until(() -> hasPort(w, 9500));
        Zk.register(writer, PATH, "b", 9501, CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> hasPort(w, 9501));
        assertThat(watchesOf(client)).isEmpty();
        // The same count sees the watch of a watched service, so the empty list above means something.
        CuratorFramework watching = quietClient();
        closing(SynapseWatcher.builder().curator(watching).output(new RecordingOutput())
                .service(WatchedService.builder().name("web").path(PATH).build()).build().start());
        await().atMost(WAIT).until(() -> watchesOf(watching).contains(PATH));
    }
}
