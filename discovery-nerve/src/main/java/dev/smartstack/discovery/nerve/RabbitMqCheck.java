package dev.smartstack.discovery.nerve;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Ruby Nerve's {@code rabbitmq} check: log in as {@code username}/{@code password}, declare the
 * queue {@code nerve}, publish {@code "nerve test message"} to it (mandatory, expiring after 2 s),
 * read one message back and acknowledge it. It passes when a message came back. Every step is
 * bounded by the timeout; no automatic recovery, no heartbeats, as in Ruby.
 */
final class RabbitMqCheck implements HealthCheck {
    static final String QUEUE = "nerve";
    static final String MESSAGE = "nerve test message";

    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final Duration timeout;

    RabbitMqCheck(String host, int port, String username, String password, Duration timeout) {
        this.host = host;
        this.port = port;
        this.username = username;
        this.password = password;
        this.timeout = timeout;
    }

    @Override
    public HealthResult check() {
        int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(username);
        factory.setPassword(password);
        factory.setConnectionTimeout(millis);
        factory.setHandshakeTimeout(millis);
        factory.setChannelRpcTimeout(millis);
        factory.setShutdownTimeout(millis);
        factory.setRequestedHeartbeat(0);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        try (Connection connection = factory.newConnection("nerve-check")) {
            Channel channel = connection.createChannel();
            channel.queueDeclare(QUEUE, false, false, false, null);
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().expiration("2000").build();
            channel.basicPublish("", QUEUE, true, props, MESSAGE.getBytes(StandardCharsets.UTF_8));
            GetResponse got = channel.basicGet(QUEUE, false);
            if (got == null) {
                return HealthResult.unhealthy(this + ": no message came back from queue " + QUEUE);
            }
            channel.basicAck(got.getEnvelope().getDeliveryTag(), false);
            return HealthResult.ok();
        } catch (IOException | TimeoutException | RuntimeException e) {
            return HealthResult.unhealthy(this + " failed: " + e);
        }
    }

    @Override
    public Duration timeout() {
        // Connect, log in, declare, publish, get, ack and close each get the timeout; bound the whole run loosely.
        return timeout.multipliedBy(4);
    }

    @Override
    public String toString() {
        return "rabbitmq " + host + ":" + port;
    }
}
