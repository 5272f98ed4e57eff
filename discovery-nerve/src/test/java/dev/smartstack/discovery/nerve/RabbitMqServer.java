package dev.smartstack.discovery.nerve;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Debian's real RabbitMQ ({@code rabbitmq-server}), started as a child process on free loopback
 * ports, with its own epmd (a child too, on 127.0.0.1 and a free port), its data and logs in a
 * temporary directory, and these users: {@code nerve}/{@code secret} with every permission on the
 * vhost {@code /}, {@code lonely}/{@code secret} with no permission on any vhost. {@link #close()}
 * stops the broker and its epmd.
 */
final class RabbitMqServer implements AutoCloseable {
    static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
    static final Path EPMD = Path.of("/usr/bin/epmd");
    private static final Duration STARTUP = Duration.ofMinutes(3);

    private final Path dir;
    private final int port;
    private final Process epmd;
    private final Process broker;

    RabbitMqServer(Path dir) throws IOException {
        if (!Files.isExecutable(SERVER) || !Files.isExecutable(EPMD)) {
            throw new IllegalStateException(SERVER + " or " + EPMD + " is missing: install Debian's rabbitmq-server"
                    + " (scripts/test does it when run as root)");
        }
        this.dir = dir;
        this.port = freePort();
        int distPort = freePort();
        int epmdPort = freePort();
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        Files.writeString(dir.resolve("definitions.json"), definitions());
        Files.writeString(dir.resolve("rabbitmq.conf"), "load_definitions = " + dir.resolve("definitions.json") + "\n");
        epmd = new ProcessBuilder(EPMD.toString(), "-address", "127.0.0.1", "-port", Integer.toString(epmdPort))
                .redirectErrorStream(true).redirectOutput(dir.resolve("epmd.out").toFile()).start();
        ProcessBuilder pb = new ProcessBuilder(SERVER.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("rabbitmq.out").toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", dir.toString()); // its Erlang cookie
        env.put("RABBITMQ_NODENAME", "rabbit-test@localhost");
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
        broker = pb.start();
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!broker.isAlive()) {
                    throw new IllegalStateException("rabbitmq-server exited with " + broker.exitValue() + ":\n" + output());
                }
                return output().contains("Starting broker... completed");
            });
        } catch (ConditionTimeoutException e) {
            close();
            throw new IllegalStateException("rabbitmq-server did not start in " + STARTUP + ":\n" + output(), e);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    String output() throws IOException {
        return Files.readString(dir.resolve("rabbitmq.out"), StandardCharsets.UTF_8);
    }

    /** Stops the broker (the script's Erlang VM and its helpers), then epmd. */
    @Override
    public void close() {
        stop(broker.toHandle());
        stop(epmd.toHandle());
    }

    private static void stop(ProcessHandle process) {
        // The script does not pass SIGTERM on to the VM: stop the VM (and its helpers) first.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        for (ProcessHandle p : process.descendants().toList()) {
            waitFor(p);
        }
        waitFor(process);
    }

    private static void waitFor(ProcessHandle p) {
        try {
            p.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String definitions() {
        String hash = passwordHash("secret");
        return """
                {"vhosts": [{"name": "/"}],
                 "users": [
                   {"name": "nerve", "password_hash": "%1$s", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""},
                   {"name": "lonely", "password_hash": "%1$s", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""}],
                 "permissions": [{"user": "nerve", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}]}
                """.formatted(hash);
    }

    /** RabbitMQ's stored form: base64(salt ++ sha256(salt ++ password)), a 4-byte salt. */
    private static String passwordHash(String password) {
        byte[] salt = new byte[4];
        new SecureRandom().nextBytes(salt);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            byte[] digest = sha.digest(password.getBytes(StandardCharsets.UTF_8));
            byte[] all = new byte[salt.length + digest.length];
            System.arraycopy(salt, 0, all, 0, salt.length);
            System.arraycopy(digest, 0, all, salt.length, digest.length);
            return Base64.getEncoder().encodeToString(all);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
