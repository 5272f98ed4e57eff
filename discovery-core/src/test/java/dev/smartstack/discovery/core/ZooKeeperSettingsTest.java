package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;

class ZooKeeperSettingsTest {

    @Test
    void build_defaults_areDocumentedValues() {
        ZooKeeperSettings s = ZooKeeperSettings.of("127.0.0.1:2181");
        assertThat(s.connectString()).isEqualTo("127.0.0.1:2181");
        assertThat(s.sessionTimeout()).isEqualTo(Duration.ofSeconds(10)).isEqualTo(ZooKeeperSettings.DEFAULT_SESSION_TIMEOUT);
        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.retryPolicy()).isNotNull();
        assertThat(s.acl()).isEmpty();
    }

    @Test
    void build_missingConnectString_isRefused() {
        assertThatThrownBy(() -> ZooKeeperSettings.builder().build())
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("connectString is required");
        assertThatThrownBy(() -> ZooKeeperSettings.of("  "))
                .hasMessage("connectString is required");
    }

    @Test
    void build_connectStringWithSpaceOrControlCharacter_isRefused() {
        assertThatThrownBy(() -> ZooKeeperSettings.of("zk1:2181, zk2:2181"))
                .hasMessage("connectString must be host:port[,host:port...][/chroot] but was \"zk1:2181, zk2:2181\"");
        assertThatThrownBy(() -> ZooKeeperSettings.of("zk1:2181\n"))
                .hasMessage("connectString must be host:port[,host:port...][/chroot] but was \"zk1:2181\\n\"");
        assertThatThrownBy(() -> ZooKeeperSettings.of("zk1:2181\u0000"))
                .hasMessage("connectString must be host:port[,host:port...][/chroot] but was \"zk1:2181\\u0000\"");
    }

    @Test
    void build_nonPositiveTimeouts_areRefused() {
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").sessionTimeout(Duration.ZERO).build())
                .hasMessage("sessionTimeout must be positive but was PT0S");
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").sessionTimeout(Duration.ofSeconds(-1)).build())
                .hasMessage("sessionTimeout must be positive but was PT-1S");
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").connectionTimeout(Duration.ZERO).build())
                .hasMessage("connectionTimeout must be positive but was PT0S");
    }

    /** Regression: build() accepted a timeout over Integer.MAX_VALUE ms and newClient() then threw ArithmeticException. */
    @Test
    void build_timeoutOverflowingIntMillis_isRefusedAtBuildNotAtNewClient() {
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").sessionTimeout(Duration.ofDays(30)).build())
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("sessionTimeout must be at most PT596H31M23.647S but was PT720H");
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").connectionTimeout(Duration.ofDays(25)).build())
                .hasMessage("connectionTimeout must be at most PT596H31M23.647S but was PT600H");
        ZooKeeperSettings max = ZooKeeperSettings.builder().connectString("127.0.0.1:1")
                .sessionTimeout(Duration.ofMillis(Integer.MAX_VALUE)).build();
        try (CuratorFramework client = max.newClient()) {
            assertThat(client).isNotNull();
        }
    }

    @Test
    void builder_nullArguments_areRefusedWithTheirNames() {
        ZooKeeperSettings.Builder b = ZooKeeperSettings.builder();
        assertThatThrownBy(() -> b.sessionTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("sessionTimeout == null");
        assertThatThrownBy(() -> b.connectionTimeout(null)).hasMessage("connectionTimeout == null");
        assertThatThrownBy(() -> b.retryPolicy(null)).hasMessage("retryPolicy == null");
        assertThatThrownBy(() -> b.digest(null, "p")).hasMessage("user == null");
        assertThatThrownBy(() -> b.digest("u", null)).hasMessage("password == null");
        assertThatThrownBy(() -> b.authorization(null, new byte[0])).hasMessage("scheme == null");
        assertThatThrownBy(() -> b.authorization("digest", null)).hasMessage("auth == null");
        assertThatThrownBy(() -> b.acl(null)).hasMessage("acl == null");
        assertThatThrownBy(() -> b.tls(null)).hasMessage("tls == null");
    }

    /**
     * Regression: digest("a:b", "c") was accepted, and ZooKeeper splits "a:b:c" at the first ':', so it
     * authenticated as user "a", the same identity as digest("a", "b:c").
     */
    @Test
    void digest_userWithColon_isRefused() {
        assertThatThrownBy(() -> ZooKeeperSettings.builder().digest("a:b", "c"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("digest user must not contain ':' but was \"a:b\"");
        assertThat(ZooKeeperSettings.builder().connectString("h:1").digest("a", "b:c").build()).isNotNull();
    }

    @Test
    void build_creatorAclWithoutAuthentication_isRefused() {
        assertThatThrownBy(() -> ZooKeeperSettings.builder().connectString("h:1").creatorAllWorldRead().build())
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("an ACL for the creator's identity needs authentication: set digest()");
    }

    @Test
    void creatorAllWorldRead_withDigest_isCreatorAllPlusWorldRead() {
        ZooKeeperSettings s = ZooKeeperSettings.builder().connectString("h:1").digest("alice", "secret")
                .creatorAllWorldRead().build();
        assertThat(s.acl()).containsExactly(
                new ACL(ZooDefs.Perms.ALL, new Id("auth", "")),
                new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
    }

    @Test
    void acl_callerMutatesItsList_settingsAreUnchanged() {
        List<ACL> acl = new java.util.ArrayList<>(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        ZooKeeperSettings s = ZooKeeperSettings.builder().connectString("h:1").acl(acl).build();
        acl.clear();
        assertThat(s.acl()).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        assertThatThrownBy(() -> s.acl().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * Regression: the ACL was held in a List.copyOf list, whose contains(null) throws, and
     * ZooKeeper.create() calls acl.contains(null): every create with an ACL failed with a NullPointerException.
     */
    @Test
    void acl_heldList_answersContainsNullAsZooKeeperCreateAsks() {
        ZooKeeperSettings s = ZooKeeperSettings.builder().connectString("h:1").digest("alice", "secret")
                .creatorAllWorldRead().build();
        assertThat(s.acl().contains(null)).isFalse();
        assertThat(ZooKeeperSettings.of("h:1").acl().contains(null)).isFalse();
    }

    @Test
    void toString_withDigest_neverShowsThePassword() {
        ZooKeeperSettings s = ZooKeeperSettings.builder().connectString("127.0.0.1:2181").digest("alice", "s3cr3t")
                .sessionTimeout(Duration.ofSeconds(3)).build();
        assertThat(s.toString()).isEqualTo("ZooKeeperSettings{127.0.0.1:2181, session 3000 ms, auth}").doesNotContain("s3cr3t");
    }

    @Test
    void newClient_settings_areApplied() {
        ZooKeeperSettings s = ZooKeeperSettings.builder().connectString("127.0.0.1:1/chroot")
                .connectionTimeout(Duration.ofMillis(1234)).retryPolicy(new RetryOneTime(1)).build();
        try (CuratorFramework client = s.newClient()) {
            assertThat(client.getZookeeperClient().getConnectionTimeoutMs()).isEqualTo(1234);
            assertThat(client.getNamespace()).isEmpty();
            assertThat(client.getZookeeperClient().getRetryPolicy()).isSameAs(s.retryPolicy());
        }
    }

    @Test
    void tls_clientConfig_setsZooKeeperSslProperties() {
        ZooKeeperSettings.Tls tls = ZooKeeperSettings.Tls.trustStore(Path.of("/etc/zk/trust.p12"), "tpw")
                .withKeyStore(Path.of("/etc/zk/key.p12"), "kpw").withHostnameVerification(false);
        ZKClientConfig config = tls.clientConfig();
        assertThat(config.getProperty(ZKClientConfig.SECURE_CLIENT)).isEqualTo("true");
        assertThat(config.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET))
                .isEqualTo("org.apache.zookeeper.ClientCnxnSocketNetty");
        assertThat(config.getProperty("zookeeper.ssl.trustStore.location")).isEqualTo("/etc/zk/trust.p12");
        assertThat(config.getProperty("zookeeper.ssl.trustStore.password")).isEqualTo("tpw");
        assertThat(config.getProperty("zookeeper.ssl.keyStore.location")).isEqualTo("/etc/zk/key.p12");
        assertThat(config.getProperty("zookeeper.ssl.keyStore.password")).isEqualTo("kpw");
        assertThat(config.getProperty("zookeeper.ssl.hostnameVerification")).isEqualTo("false");
    }

    @Test
    void tls_trustStoreOnly_leavesKeyStoreUnsetAndVerifiesHostnames() {
        ZKClientConfig config = ZooKeeperSettings.Tls.trustStore(Path.of("/t.p12"), null).clientConfig();
        assertThat(config.getProperty("zookeeper.ssl.trustStore.password")).isNull();
        assertThat(config.getProperty("zookeeper.ssl.keyStore.location")).isNull();
        assertThat(config.getProperty("zookeeper.ssl.hostnameVerification")).isEqualTo("true");
        assertThatThrownBy(() -> ZooKeeperSettings.Tls.trustStore(null, null)).hasMessage("trustStore == null");
    }
}
