package dev.smartstack.discovery.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example as a new user runs it: two instances of {@link GreeterApplication} with only their
 * name, the ZooKeeper address and a loopback port changed from the command line; one greets the
 * other over HTTP.
 */
class GreeterApplicationIT {
    @Test
    void twoGreeters_findEachOtherByName() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                ConfigurableApplicationContext alpha = start("alpha", zk);
                ConfigurableApplicationContext beta = start("beta", zk)) {
            assertThat(greetOnce(alpha, "beta")).isEqualTo("alpha says: hello from beta");
            assertThat(greetOnce(beta, "alpha")).isEqualTo("beta says: hello from alpha");
        }
    }

    /** GET /greet/{service}, retried until the callee is registered and seen. */
    private static String greetOnce(ConfigurableApplicationContext caller, String service) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest greet = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(caller) + "/greet/" + service))
                .timeout(Duration.ofSeconds(10)).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> http.send(greet, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return http.send(greet, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static ConfigurableApplicationContext start(String name, TestingServer zk) {
        return new SpringApplicationBuilder(GreeterApplication.class).run(
                "--spring.application.name=" + name,
                "--smartstack.zookeeper.connect-string=" + zk.getConnectString(),
                // Bound to loopback only, so the advertised host must come from server.address
                // (no smartstack.registration.host): the application's two properties and nothing else.
                "--server.address=127.0.0.1",
                "--server.port=0");
    }

    private static int port(ConfigurableApplicationContext c) {
        return ((WebServerApplicationContext) c).getWebServer().getPort();
    }
}
