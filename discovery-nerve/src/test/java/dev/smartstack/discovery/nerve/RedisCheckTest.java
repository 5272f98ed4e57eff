package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ruby Nerve's redis check against a real redis-server on a free loopback port. */
class RedisCheckTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Process redis(int port, String... extra) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("/usr/bin/redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        argv.addAll(List.of(extra));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void check_realRedis_passesThenFailsWhenStopped() throws Exception {
        int port = freePort();
        HealthCheck check = HealthChecks.redis("127.0.0.1", port, TIMEOUT);
        assertThat(check.check().healthy()).isFalse();
        Process p = redis(port);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> check.check().healthy());
        } finally {
            stop(p);
        }
        HealthResult down = check.check();
        assertThat(down.healthy()).isFalse();
        assertThat(down.reason()).startsWith("redis 127.0.0.1:" + port + " failed: ");
    }

    @Test
    void check_redisWantingAPassword_fails() throws Exception {
        int port = freePort();
        Process p = redis(port, "--requirepass", "secret");
        try {
            HealthCheck check = HealthChecks.redis("127.0.0.1", port, TIMEOUT);
            await().atMost(Duration.ofSeconds(30)).until(() -> check.check().reason().contains("PING answered -NOAUTH"));
            assertThat(check.check().healthy()).isFalse();
        } finally {
            stop(p);
        }
    }

    @Test
    void check_serverThatIsNotRedis_fails() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the check has gone
                }
            }, "not-redis");
            t.setDaemon(true);
            t.start();
            HealthResult r = HealthChecks.redis("127.0.0.1", server.getLocalPort(), TIMEOUT).check();
            assertThat(r.healthy()).isFalse();
            assertThat(r.reason()).endsWith("PING answered HTTP/1.0 400 Bad Request");
        }
    }

    @Test
    void noop_alwaysPasses() {
        assertThat(HealthChecks.noop().check().healthy()).isTrue();
    }
}
