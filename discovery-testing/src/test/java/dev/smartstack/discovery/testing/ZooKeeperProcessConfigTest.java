package dev.smartstack.discovery.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ZooKeeperProcessConfigTest {
    @Test
    void withConfig_lineBreakInAValue_isRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> ZooKeeperProcess.withConfig(Map.of("ssl.keyStore.password", "x\nclientPort=1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zoo.cfg entries must be one key=value line each but got \"ssl.keyStore.password\"=\"x\\nclientPort=1\"");
    }

    @Test
    void withConfig_equalsSignInAKey_isRefused() {
        assertThatThrownBy(() -> ZooKeeperProcess.withConfig(Map.of("a=b", "c")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zoo.cfg entries must be one key=value line each but got \"a=b\"=\"c\"");
    }
}
