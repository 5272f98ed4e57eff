package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ruby Nerve's rabbitmq check against Debian's real RabbitMQ ({@link RabbitMqServer}), started once
 * for the class: what passes and what fails, the server going down last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RabbitMqCheckIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    private static RabbitMqServer server;

    @BeforeAll
    static void startRabbitMq() throws Exception {
        server = new RabbitMqServer(dir);
    }

    @AfterAll
    static void stopRabbitMq() {
        if (server != null) {
            server.close();
        }
    }

    private static HealthResult check(String user, String password) {
        return HealthChecks.rabbitmq("127.0.0.1", server.port(), user, password, TIMEOUT).check();
    }

    @Test
    @Order(1)
    void check_userWithPermissionsOnDefaultVhost_passes_messageGoesAndComesBack() {
        HealthResult r = check("nerve", "secret");
        assertThat(r.healthy()).as(r.reason()).isTrue();
        // Again: the message of each run was taken and acknowledged, so the queue does not grow.
        HealthResult again = check("nerve", "secret");
        assertThat(again.healthy()).as(again.reason()).isTrue();
    }

    @Test
    @Order(2)
    void check_wrongPassword_fails() {
        HealthResult r = check("nerve", "wrong");
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).startsWith("rabbitmq 127.0.0.1:" + server.port() + " failed: ")
                .contains("ACCESS_REFUSED");
    }

    @Test
    @Order(3)
    void check_userWithoutPermissionOnTheVhost_fails() {
        // Ruby's check opens the default vhost "/": a user with no permission there cannot pass.
        HealthResult r = check("lonely", "secret");
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).startsWith("rabbitmq 127.0.0.1:" + server.port() + " failed: ");
    }

    @Test
    @Order(4)
    void check_serverDown_fails() {
        int port = server.port();
        server.close();
        server = null;
        HealthResult r = HealthChecks.rabbitmq("127.0.0.1", port, "nerve", "secret", TIMEOUT).check();
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).startsWith("rabbitmq 127.0.0.1:" + port + " failed: java.net.ConnectException");
    }
}
