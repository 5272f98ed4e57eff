package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP and TCP checks against a real JDK HTTP server on 127.0.0.1. */
class HealthChecksTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private HttpServer server;
    private final AtomicReference<String> seenHeader = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        for (int status : new int[] {200, 301, 404, 503}) {
            server.createContext("/status/" + status, ex -> {
                seenHeader.set(ex.getRequestHeaders().getFirst("X-Check"));
                byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
        }
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HealthCheck http(String uri) {
        return HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri(uri).timeout(TIMEOUT).build();
    }

    @Test
    void http_200And3xx_pass() {
        assertThat(http("/status/200").check()).isEqualTo(HealthResult.ok());
        assertThat(http("/status/301").check()).isEqualTo(HealthResult.ok());
    }

    @Test
    void http_4xxAnd5xx_fail() {
        int port = server.getAddress().getPort();
        assertThat(http("/status/404").check())
                .isEqualTo(HealthResult.unhealthy("GET http://127.0.0.1:" + port + "/status/404 returned 404"));
        assertThat(http("/status/503").check().healthy()).isFalse();
    }

    @Test
    void http_expectAndHeaders_checkedAndSent() {
        int port = server.getAddress().getPort();
        HealthCheck matching = HealthChecks.http().host("127.0.0.1").port(port).uri("/status/200").timeout(TIMEOUT)
                .header("X-Check", "nerve").expect("status 200").build();
        assertThat(matching.check()).isEqualTo(HealthResult.ok());
        assertThat(seenHeader.get()).isEqualTo("nerve");
        HealthCheck other = HealthChecks.http().host("127.0.0.1").port(port).uri("/status/200").timeout(TIMEOUT)
                .expect("READY").build();
        assertThat(other.check()).isEqualTo(HealthResult.unhealthy(
                "GET http://127.0.0.1:" + port + "/status/200 body does not contain \"READY\""));
    }

    @Test
    void http_slowerThanTimeout_fails() {
        HealthCheck check = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/slow")
                .timeout(Duration.ofMillis(200)).build();
        assertThat(check.timeout()).isEqualTo(Duration.ofMillis(200));
        HealthResult result = check.check();
        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).contains("HttpTimeoutException");
    }

    @Test
    void http_defaults_timeout100ms() {
        assertThat(HealthChecks.http("127.0.0.1", 80, "/health").timeout()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void tcp_listeningPort_passes_closedPort_fails() throws IOException {
        assertThat(HealthChecks.tcp("127.0.0.1", server.getAddress().getPort(), TIMEOUT).check()).isEqualTo(HealthResult.ok());
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        HealthResult result = HealthChecks.tcp("127.0.0.1", closed, TIMEOUT).check();
        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).startsWith("tcp 127.0.0.1:" + closed + " failed: java.net.ConnectException");
    }

    @Test
    void http_readTimeout_boundsTheResponseNotTheConnect() {
        int port = server.getAddress().getPort();
        HealthCheck shortRead = HealthChecks.http().host("127.0.0.1").port(port).uri("/slow").timeout(TIMEOUT)
                .openTimeout(TIMEOUT).readTimeout(Duration.ofMillis(200)).build();
        assertThat(shortRead.check().healthy()).isFalse();
        // The same slow answer within a longer read timeout passes, though the open timeout is short.
        HealthCheck longRead = HealthChecks.http().host("127.0.0.1").port(port).uri("/slow").timeout(Duration.ofMillis(200))
                .openTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofSeconds(30)).build();
        assertThat(longRead.check().healthy()).isTrue();
        HealthCheck both = HealthChecks.http().host("127.0.0.1").port(port).uri("/status/200")
                .openTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(3)).build();
        assertThat(both.check().healthy()).isTrue();
        assertThat(both.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(http("/status/200").timeout()).isEqualTo(TIMEOUT);
    }
}
