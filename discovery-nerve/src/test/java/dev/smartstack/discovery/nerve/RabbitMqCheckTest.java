package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Ruby Nerve's rabbitmq check with the real RabbitMQ Java client against {@link FakeAmqpBroker}
 * (no RabbitMQ server runs here): what passes, what fails, and that it does what Ruby's does.
 */
class RabbitMqCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void check_messageComesBack_passes_asRubyDoesIt() throws IOException {
        try (FakeAmqpBroker broker = new FakeAmqpBroker("nerve", "secret")) {
            HealthResult r = HealthChecks.rabbitmq("127.0.0.1", broker.port(), "nerve", "secret", TIMEOUT).check();
            assertThat(r.healthy()).as(r.reason()).isTrue();
            assertThat(broker.declared).containsExactly("nerve");
            assertThat(broker.published).containsExactly("nerve test message");
            assertThat(broker.expirations).containsExactly("2000");
            assertThat(broker.acked).containsExactly(1L);
        }
    }

    @Test
    void check_queueEmpty_fails() throws IOException {
        try (FakeAmqpBroker broker = new FakeAmqpBroker("guest", "guest")) {
            broker.dropMessages.set(true);
            HealthResult r = HealthChecks.rabbitmq("127.0.0.1", broker.port(), "guest", "guest", TIMEOUT).check();
            assertThat(r.healthy()).isFalse();
            assertThat(r.reason()).isEqualTo("rabbitmq 127.0.0.1:" + broker.port() + ": no message came back from queue nerve");
        }
    }

    @Test
    void check_loginRefused_fails() throws IOException {
        try (FakeAmqpBroker broker = new FakeAmqpBroker("nerve", "secret")) {
            HealthResult r = HealthChecks.rabbitmq("127.0.0.1", broker.port(), "nerve", "wrong", TIMEOUT).check();
            assertThat(r.healthy()).isFalse();
            assertThat(r.reason()).startsWith("rabbitmq 127.0.0.1:" + broker.port() + " failed: ");
            assertThat(broker.refusedLogins).containsExactly("nerve wrong");
        }
    }

    @Test
    void check_nothingListening_fails() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HealthResult r = HealthChecks.rabbitmq("127.0.0.1", port, "guest", "guest", TIMEOUT).check();
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).startsWith("rabbitmq 127.0.0.1:" + port + " failed: java.net.ConnectException");
    }
}
