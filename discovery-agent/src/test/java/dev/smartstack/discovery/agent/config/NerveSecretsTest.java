package dev.smartstack.discovery.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rabbitmq check's password reaches the check and never a log line that prints the config. */
class NerveSecretsTest {
    @TempDir
    Path dir;

    @Test
    void rabbitmqPassword_revealedToTheCheck_hiddenFromToString() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {"mq": {"host": "127.0.0.1", "port": 5672,
                  "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/nerve/services/mq/services",
                  "checks": [{"type": "rabbitmq", "username": "nerve", "password": "s3cret-Pa55"}]}}}
                """);
        NerveConfig c = NerveConfig.load(file, "nerve.conf.json", null);
        // before: the password was a String component, printed by every record toString up to NerveConfig
        assertThat(c.toString()).doesNotContain("s3cret-Pa55").contains("(hidden)");
        NerveConfig.Check check = c.services().get("mq").checks().get(0);
        assertThat(check.password().reveal()).isEqualTo("s3cret-Pa55");
        assertThat(check.username()).isEqualTo("nerve");
    }
}
