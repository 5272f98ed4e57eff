package dev.smartstack.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ZooKeeperConnectionTest {
    private static SmartStackProperties.ZooKeeper props() {
        SmartStackProperties.ZooKeeper p = new SmartStackProperties.ZooKeeper();
        p.setConnectString("127.0.0.1:2181");
        return p;
    }

    @Test
    void settings_noConnectString_namesTheProperty() {
        assertThatThrownBy(() -> ZooKeeperConnection.settings(new SmartStackProperties.ZooKeeper()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("smartstack.zookeeper.connect-string is required");
    }

    @Test
    void settings_digestUserWithoutPassword_isRefused() {
        SmartStackProperties.ZooKeeper p = props();
        p.setDigestUser("web");
        assertThatThrownBy(() -> ZooKeeperConnection.settings(p))
                .hasMessage("smartstack.zookeeper.digest-user and smartstack.zookeeper.digest-password go together");
    }

    @Test
    void settings_keyStoreWithoutTrustStore_isRefused() {
        SmartStackProperties.ZooKeeper p = props();
        p.setKeyStore(Path.of("client.p12"));
        assertThatThrownBy(() -> ZooKeeperConnection.settings(p))
                .hasMessage("smartstack.zookeeper.key-store needs smartstack.zookeeper.trust-store");
    }

    @Test
    void settings_digestAndTls_areMapped() {
        SmartStackProperties.ZooKeeper p = props();
        p.setDigestUser("web");
        p.setDigestPassword("secret");
        p.setTrustStore(Path.of("trust.p12"));
        var s = ZooKeeperConnection.settings(p);
        assertThat(s.toString()).contains("auth").contains("tls").doesNotContain("secret");
        assertThat(s.acl()).extracting(a -> a.getId().getScheme()).containsExactlyInAnyOrder("auth", "world");
    }
}
