package dev.smartstack.discovery.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ZooKeeperSettings#newClient()} against a real ZooKeeper (curator-test's TestingServer). */
class ZooKeeperSettingsIT {
    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static ZooKeeperSettings.Builder settings() {
        return ZooKeeperSettings.builder().connectString(server.getConnectString())
                .sessionTimeout(Duration.ofSeconds(4)).retryPolicy(new RetryOneTime(100));
    }

    private static CuratorFramework started(ZooKeeperSettings s) throws InterruptedException {
        CuratorFramework client = s.newClient();
        client.start();
        assertThat(client.blockUntilConnected(30, TimeUnit.SECONDS)).as("connected to %s", s).isTrue();
        return client;
    }

    @Test
    void newClient_plainSettings_connectsAndWritesAndReads() throws Exception {
        try (CuratorFramework client = started(settings().build())) {
            client.create().creatingParentsIfNeeded().forPath("/it/plain/a", "hello".getBytes(UTF_8));
            assertThat(client.getData().forPath("/it/plain/a")).asString(UTF_8).isEqualTo("hello");
            assertThat(client.getACL().forPath("/it/plain/a")).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        }
    }

    @Test
    void newClient_chroot_writesUnderTheChroot() throws Exception {
        try (CuratorFramework root = started(settings().build())) {
            root.create().creatingParentsIfNeeded().forPath("/chroot-it");
            ZooKeeperSettings chrooted = settings().connectString(server.getConnectString() + "/chroot-it").build();
            try (CuratorFramework client = started(chrooted)) {
                client.create().forPath("/x", "y".getBytes(UTF_8));
            }
            assertThat(root.getData().forPath("/chroot-it/x")).asString(UTF_8).isEqualTo("y");
        }
    }

    @Test
    void creatorAllWorldRead_otherIdentities_canReadButNotChangeOrDelete() throws Exception {
        ZooKeeperSettings alice = settings().digest("alice", "secret").creatorAllWorldRead().build();
        try (CuratorFramework owner = started(alice);
                CuratorFramework anonymous = started(settings().build());
                CuratorFramework mallory = started(settings().digest("mallory", "guess").build())) {
            owner.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath("/acl-it/web/node1_0000000001", "{\"host\":\"h\",\"port\":1}".getBytes(UTF_8));

            assertThat(owner.getACL().forPath("/acl-it/web/node1_0000000001")).hasSize(2)
                    .contains(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
            assertThat(anonymous.getData().forPath("/acl-it/web/node1_0000000001")).asString(UTF_8).contains("\"host\"");
            assertThat(anonymous.getChildren().forPath("/acl-it/web")).containsExactly("node1_0000000001");

            for (CuratorFramework intruder : new CuratorFramework[] {anonymous, mallory}) {
                assertThatThrownBy(() -> intruder.delete().forPath("/acl-it/web/node1_0000000001"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> intruder.setData().forPath("/acl-it/web/node1_0000000001", new byte[] {1}))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> intruder.create().forPath("/acl-it/web/evil", new byte[] {1}))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
            assertThat(anonymous.checkExists().forPath("/acl-it/web/node1_0000000001")).isNotNull();

            owner.delete().forPath("/acl-it/web/node1_0000000001");
            assertThat(anonymous.checkExists().forPath("/acl-it/web/node1_0000000001")).isNull();
        }
    }

    /** Regression: with an ACL set, every create threw NullPointerException from ZooKeeper.validateACL. */
    @Test
    void acl_createWithConfiguredAcl_doesNotThrowNullPointerFromZooKeeperAclCheck() throws Exception {
        ZooKeeperSettings open = settings().acl(ZooDefs.Ids.OPEN_ACL_UNSAFE).build();
        try (CuratorFramework client = started(open)) {
            client.create().creatingParentsIfNeeded().forPath("/acl-npe/node", new byte[] {1});
            assertThat(client.checkExists().forPath("/acl-npe/node")).isNotNull();
        }
    }

    @Test
    void digest_sameIdentityOnAnotherClient_mayDelete() throws Exception {
        ZooKeeperSettings alice = settings().digest("alice", "secret").creatorAllWorldRead().build();
        try (CuratorFramework first = started(alice); CuratorFramework second = started(alice)) {
            first.create().creatingParentsIfNeeded().forPath("/acl-it2/node", new byte[] {1});
            second.delete().forPath("/acl-it2/node");
            assertThat(first.checkExists().forPath("/acl-it2/node")).isNull();
        }
    }
}
