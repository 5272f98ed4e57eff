package dev.smartstack.discovery.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZooKeeperExtensionIT {
    @RegisterExtension
    static ZooKeeperExtension<EmbeddedZooKeeper> zk = ZooKeeperExtension.embedded();

    /** Per-test registration: each test gets a fresh server. */
    @RegisterExtension
    ZooKeeperExtension<EmbeddedZooKeeper> perTest = ZooKeeperExtension.embedded();

    @Test
    @Order(1)
    void staticExtension_client_writesAndReads() throws Exception {
        zk.client().create().forPath("/shared", "1".getBytes(UTF_8));
        perTest.client().create().forPath("/mine", "1".getBytes(UTF_8));
        assertThat(zk.client().getData().forPath("/shared")).asString(UTF_8).isEqualTo("1");
        assertThat(zk.settings().connectString()).isEqualTo(zk.connectString());
        assertThat(zk.fixture().port()).isNotEqualTo(perTest.fixture().port());
    }

    @Test
    @Order(2)
    void staticExtension_laterTest_seesTheSameServerButPerTestServerIsFresh() throws Exception {
        assertThat(zk.client().checkExists().forPath("/shared")).isNotNull();
        assertThat(perTest.client().checkExists().forPath("/mine")).isNull();
    }
}
