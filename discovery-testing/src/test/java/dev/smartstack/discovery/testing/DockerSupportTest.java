package dev.smartstack.discovery.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class DockerSupportTest {

    @Test
    void check_dockerAvailable_returns() {
        assertThatCode(() -> DockerSupport.check(true, false)).doesNotThrowAnyException();
        assertThatCode(() -> DockerSupport.check(true, true)).doesNotThrowAnyException();
    }

    @Test
    void check_dockerAbsentAndNotRequired_abortsSoTheTestIsSkipped() {
        assertThatThrownBy(() -> DockerSupport.check(false, false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("Docker is not available; skipping (set -Dsmartstack.requireDocker=true to fail instead)");
    }

    @Test
    void check_dockerAbsentAndRequired_fails() {
        assertThatThrownBy(() -> DockerSupport.check(false, true))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("Docker is not available, and -Dsmartstack.requireDocker=true makes that a failure:"
                        + " start Docker (or run scripts/test, which prepares it)");
    }
}
