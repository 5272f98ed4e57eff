package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ruby Nerve's http check sends a configured {@code Host} header (the JDK's HttpClient refuses
 * it): against a real JDK HttpServer that records what it received.
 */
class HttpHostHeaderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<String> hosts = new CopyOnWriteArrayList<>();
    private final List<String> tokens = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Chunked (length 0 means chunked in the JDK server), with the word split over two chunks.
        server.createContext("/chunked", ex -> {
            hosts.addAll(ex.getRequestHeaders().get("Host"));
            tokens.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Token")));
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write("status: hea".getBytes(StandardCharsets.UTF_8));
                out.flush();
                out.write("lthy\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/down", ex -> {
            hosts.addAll(ex.getRequestHeaders().get("Host"));
            byte[] body = "down".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(503, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HealthChecks.HttpCheckBuilder http(String uri) {
        return HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri(uri).timeout(TIMEOUT);
    }

    @Test
    void check_hostHeaderConfigured_sentAsIs_withTheOtherHeaders_chunkedBodyMatched() {
        HealthCheck check = http("/chunked").header("Host", "web.example.com").header("X-Token", "t1")
                .expect("healthy").build();
        HealthResult r = check.check();
        assertThat(r.healthy()).as(r.reason()).isTrue();
        assertThat(hosts).containsExactly("web.example.com");
        assertThat(tokens).containsExactly("t1");
        assertThat(check).hasToString("http http://127.0.0.1:" + server.getAddress().getPort() + "/chunked");
    }

    @Test
    void check_hostHeaderAnyCase_expectedTextMissing_fails() {
        HealthResult r = http("/chunked").header("host", "web.example.com").expect("ready").build().check();
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).isEqualTo("GET http://127.0.0.1:" + server.getAddress().getPort()
                + "/chunked body does not contain \"ready\"");
        assertThat(hosts).containsExactly("web.example.com");
    }

    @Test
    void check_hostHeader_status503_failsAsWithoutIt() {
        HealthResult with = http("/down").header("Host", "web.example.com").build().check();
        HealthResult without = http("/down").build().check();
        assertThat(with).isEqualTo(without);
        assertThat(with.reason()).isEqualTo("GET http://127.0.0.1:" + server.getAddress().getPort() + "/down returned 503");
        assertThat(hosts).containsExactly("web.example.com", "127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void check_hostHeader_nothingListening_fails() {
        int port = server.getAddress().getPort();
        server.stop(0);
        HealthResult r = http("/chunked").header("Host", "web.example.com").build().check();
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).startsWith("GET http://127.0.0.1:" + port + "/chunked failed: java.net.ConnectException");
    }

    @Test
    void build_headerValueWithNewline_refused() {
        assertThatThrownBy(() -> http("/chunked").header("Host", "a\r\nX-Evil: 1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("header \"Host\" cannot be set: not a valid HTTP header name and value: ");
        assertThatThrownBy(() -> http("/chunked").header("Bad Name", "v").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("header \"Bad Name\" cannot be set");
    }
}
