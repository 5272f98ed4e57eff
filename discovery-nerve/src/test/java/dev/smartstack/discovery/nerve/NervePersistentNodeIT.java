package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ruby Nerve's {@code node_type: persistent} and {@code persistent_sequential}, with
 * {@code ttl_seconds}, against a real ZooKeeper.
 */
class NervePersistentNodeIT extends NerveZooKeeperBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private NerveReporter reporter;
    private NerveReporter crashed;
    private CuratorFramework client;

    @BeforeEach
    void createZkPath() throws Exception {
        observer.create().creatingParentsIfNeeded().forPath(zkPath);
    }

    @AfterEach
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {reporter, crashed, client}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    private NerveService service(NerveService.NodeType type, Duration ttl) {
        NerveService.Builder b = NerveService.builder().name("web").instanceId("i-1").host("127.0.0.1").port(8080)
                .zkPath(zkPath).checkInterval(Duration.ofMillis(50)).nodeType(type)
                .check(() -> healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("test says down"));
        if (ttl != null) {
            b.ttl(ttl);
        }
        return b.build();
    }

    private CuratorFramework newClient() {
        CuratorFramework c = ZooKeeperSettings.builder().connectString(server.getConnectString())
                .sessionTimeout(Duration.ofSeconds(30)).build().newClient();
        c.start();
        return c;
    }

    private NerveReporter start(CuratorFramework c, NerveService service) {
        return NerveReporter.builder().curator(c).service(service).build().start();
    }

    private List<String> children() throws Exception {
        return observer.getChildren().forPath(zkPath);
    }

    private Stat stat(String path) throws Exception {
        return observer.checkExists().forPath(path);
    }

    @Test
    void persistent_registeredRenewedPerTtl_deletedOnDownAndOnClose() throws Exception {
        client = newClient();
        reporter = start(client, service(NerveService.NodeType.PERSISTENT, Duration.ofMillis(200)));
        String node = zkPath + "/i-1_";
        await().atMost(WAIT).until(() -> stat(node) != null);
        Stat first = stat(node);
        assertThat(first.getEphemeralOwner()).isZero();
        assertThat(JSON.readTree(observer.getData().forPath(node)).get("name").asText()).isEqualTo("i-1");
        assertThat(reporter.registeredPath("web")).contains(node);

        // ttl: the data is written again, so its mtime moves on while the owner lives.
        await().atMost(WAIT).until(() -> stat(node).getVersion() >= first.getVersion() + 2);
        assertThat(stat(node).getMtime()).isGreaterThanOrEqualTo(first.getMtime());
        assertThat(stat(node).getCzxid()).isEqualTo(first.getCzxid());

        healthy.set(false);
        await().atMost(WAIT).until(() -> stat(node) == null);
        healthy.set(true);
        await().atMost(WAIT).until(() -> stat(node) != null);

        reporter.close();
        assertThat(stat(node)).isNull();
        assertThat(children()).isEmpty();
    }

    @Test
    void persistent_ownerGoneWithoutCleanup_nodeLeftBehind_restartWithSameIdentityTakesItOver() throws Exception {
        CuratorFramework dying = newClient();
        crashed = start(dying, service(NerveService.NodeType.PERSISTENT, null));
        String node = zkPath + "/i-1_";
        await().atMost(WAIT).until(() -> stat(node) != null);
        Stat old = stat(node);

        // The process dies: its session ends without a delete. An ephemeral node would go; this one stays.
        dying.close();
        assertThat(stat(node)).isNotNull();

        client = newClient();
        reporter = start(client, service(NerveService.NodeType.PERSISTENT, null));
        await().atMost(WAIT).until(() -> reporter.registeredPath("web").isPresent());
        // Ruby: NodeExists, so set the data and take the node over.
        assertThat(reporter.registeredPath("web")).contains(node);
        assertThat(children()).containsExactly("i-1_");
        assertThat(stat(node).getCzxid()).isEqualTo(old.getCzxid());
        assertThat(stat(node).getVersion()).isGreaterThan(old.getVersion());
    }

    @Test
    void persistentSequential_ownerGoneWithoutCleanup_restartDeletesItsOldNode_leavesOthers() throws Exception {
        // Another instance's node under the same prefix and a sequence, with other data: never ours.
        String foreign = observer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(zkPath + "/i-1_",
                "{\"host\":\"127.0.0.2\",\"port\":8080,\"name\":\"i-1\"}".getBytes(StandardCharsets.UTF_8));
        CuratorFramework dying = newClient();
        crashed = start(dying, service(NerveService.NodeType.PERSISTENT_SEQUENTIAL, null));
        await().atMost(WAIT).until(() -> crashed.registeredPath("web").isPresent());
        String old = crashed.registeredPath("web").orElseThrow();
        assertThat(old).matches(zkPath + "/i-1_\\d{10}");
        assertThat(stat(old).getEphemeralOwner()).isZero();

        dying.close();
        assertThat(stat(old)).isNotNull();

        client = newClient();
        reporter = start(client, service(NerveService.NodeType.PERSISTENT_SEQUENTIAL, null));
        await().atMost(WAIT).until(() -> reporter.registeredPath("web").isPresent() && stat(old) == null);
        String now = reporter.registeredPath("web").orElseThrow();
        assertThat(now).isNotEqualTo(old);
        assertThat(children()).containsExactlyInAnyOrder(now.substring(zkPath.length() + 1),
                foreign.substring(zkPath.length() + 1));

        reporter.close();
        assertThat(children()).containsExactly(foreign.substring(zkPath.length() + 1));
    }

    @Test
    void persistentSequential_sessionExpired_keepsItsOneNode_noDuplicate() throws Exception {
        client = newClient();
        reporter = start(client, service(NerveService.NodeType.PERSISTENT_SEQUENTIAL, Duration.ofMillis(200)));
        await().atMost(WAIT).until(() -> reporter.registeredPath("web").isPresent());
        String node = reporter.registeredPath("web").orElseThrow();
        long oldSession = client.getZookeeperClient().getZooKeeper().getSessionId();

        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        await().atMost(WAIT).until(() -> client.getZookeeperClient().isConnected()
                && client.getZookeeperClient().getZooKeeper().getSessionId() != oldSession);
        // Still renewed by the new session, still the one node.
        int version = stat(node).getVersion();
        await().atMost(WAIT).until(() -> stat(node).getVersion() >= version + 2);
        assertThat(children()).containsExactly(node.substring(zkPath.length() + 1));
        assertThat(reporter.registeredPath("web")).contains(node);
    }
}
