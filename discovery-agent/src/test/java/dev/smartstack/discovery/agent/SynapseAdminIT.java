package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synapse agent's {@code admin} endpoint, read over loopback: a refused znode is counted on
 * {@code /metrics} and listed on {@code /status}; {@code /health} turns 503 while ZooKeeper is
 * stopped and back to 200 when it returns.
 */
class SynapseAdminIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/nerve/services/web/services";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    record Reply(int code, String body) {
    }

    static Reply get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    private static void register(CuratorFramework client, String child, String json) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + child, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void adminEndpoint_refusedZnodeAndZooKeeperOutage_areShownOnMetricsStatusAndHealth() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            Path out = dir.resolve("out");
            Path config = dir.resolve("synapse.conf.json");
            Files.writeString(config, """
                    {
                      "zk_session_timeout": 4,
                      "admin": {"port": 0},
                      "file_output": {"output_directory": "%s"},
                      "services": {
                        "web": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}
                      }
                    }
                    """.formatted(out, PATH, zk.getConnectString()));
            register(writer, "good1_0000000001", "{\"name\": \"good1\", \"host\": \"127.0.0.1\", \"port\": 8001}");
            register(writer, "bad-port_0000000002", "{\"name\": \"bad\", \"host\": \"127.0.0.1\", \"port\": 70000}");
            int port;
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()), config.toString())
                    .start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                port = agent.adminPort().orElseThrow();

                await().atMost(WAIT).until(() -> get(port, "/health").code() == 200);
                assertThat(get(port, "/health").body()).isEqualTo("OK\n");

                Reply metrics = get(port, "/metrics");
                assertThat(metrics.code()).isEqualTo(200);
                assertThat(metrics.body()).containsPattern(
                        "(?m)^smartstack_synapse_znode_refused_total\\{[^}]*service=\"web\"[^}]*} 1\\.0$");
                assertThat(metrics.body()).containsPattern("(?m)^smartstack_synapse_snapshot_total\\{[^}]*service=\"web\"");

                await().atMost(WAIT).until(() -> JSON.readTree(get(port, "/status").body())
                        .at("/services/web/backends").size() == 1);
                JsonNode web = JSON.readTree(get(port, "/status").body()).at("/services/web");
                assertThat(web.get("state").asText()).isEqualTo("LIVE");
                assertThat(web.get("backends").get(0).asText()).isEqualTo("good1 127.0.0.1:8001");
                assertThat(web.get("refusedTotal").asLong()).isEqualTo(1);
                assertThat(web.at("/refused/0/znode").asText()).isEqualTo(PATH + "/bad-port_0000000002");
                assertThat(web.at("/refused/0/reason").asText()).contains("port");
                assertThat(JSON.readTree(get(port, "/status").body()).get("haproxy").isNull()).isTrue();

                zk.stop();
                await().atMost(WAIT).until(() -> get(port, "/health").code() == 503);
                assertThat(get(port, "/health").body()).startsWith("UNHEALTHY: ZooKeeper ").contains("STALE");
                await().atMost(WAIT).until(() -> JSON.readTree(get(port, "/status").body())
                        .at("/services/web/state").asText().equals("STALE"));
                assertThat(JSON.readTree(get(port, "/status").body()).at("/services/web/backends/0").asText())
                        .isEqualTo("good1 127.0.0.1:8001");

                zk.restart();
                await().atMost(WAIT).until(() -> get(port, "/health").code() == 200);
                await().atMost(WAIT).until(() -> JSON.readTree(get(port, "/status").body())
                        .at("/services/web/state").asText().equals("LIVE"));
                assertThat(get(port, "/nope").code()).isEqualTo(404);
            }
            assertThatThrownBy(() -> get(port, "/health")).isInstanceOf(IOException.class);
        }
    }
}
