package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssl: true} against a real JDK HTTPS server with a self-signed certificate made by keytool. */
class HttpsCheckTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static KeyStore keyStore;
    private static final AtomicReference<String> lastHost = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1")
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, PASSWORD);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/health", ex -> {
            lastHost.set(ex.getRequestHeaders().getFirst("Host"));
            byte[] body = "OK".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void ssl_trustedCertificate_passes() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        HealthCheck check = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/health")
                .ssl(true).sslContext(client).timeout(Duration.ofSeconds(10)).expect("OK").build();
        assertThat(check.check()).isEqualTo(HealthResult.ok());
        assertThat(check).hasToString("http https://127.0.0.1:" + server.getAddress().getPort() + "/health");
    }

    @Test
    void ssl_hostHeader_sentOverTls_certificateStillVerified() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keyStore);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        HealthCheck check = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/health")
                .header("Host", "web.example.com").ssl(true).sslContext(client).timeout(Duration.ofSeconds(10))
                .expect("OK").build();
        assertThat(check.check()).isEqualTo(HealthResult.ok());
        assertThat(lastHost.get()).isEqualTo("web.example.com");

        HealthCheck untrusted = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/health")
                .header("Host", "web.example.com").ssl(true).timeout(Duration.ofSeconds(10)).build();
        assertThat(untrusted.check().reason()).contains("SSLHandshakeException");
    }

    @Test
    void ssl_untrustedCertificate_fails() {
        HealthCheck check = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/health")
                .ssl(true).timeout(Duration.ofSeconds(10)).build();
        HealthResult result = check.check();
        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).contains("SSLHandshakeException");
    }

    @Test
    void noSsl_againstHttpsServer_fails() {
        HealthCheck check = HealthChecks.http().host("127.0.0.1").port(server.getAddress().getPort()).uri("/health")
                .timeout(Duration.ofSeconds(2)).build();
        assertThat(check.check().healthy()).isFalse();
    }
}
