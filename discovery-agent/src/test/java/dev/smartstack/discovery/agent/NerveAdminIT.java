package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.SynapseAdminIT.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.NerveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nerve agent's {@code admin} endpoint over loopback: check verdicts and the znode on
 * {@code /status}, registrations and failed checks on {@code /metrics}, and {@code /health} 503
 * while ZooKeeper is stopped, 200 again after.
 */
class NerveAdminIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode web(int port) throws Exception {
        return JSON.readTree(get(port, "/status").body()).at("/services/web");
    }

    @Test
    void adminEndpoint_checksRegistrationAndOutage_areShownOnStatusMetricsAndHealth() throws Exception {
        try (TestingServer zk = new TestingServer(true); HealthServer backend = new HealthServer()) {
            Path file = dir.resolve("nerve.conf.json");
            Files.writeString(file, """
                    {
                      "instance_id": "agent-1",
                      "zk_session_timeout": 4,
                      "admin": {"bind": "127.0.0.1", "port": 0},
                      "services": {
                        "web": {
                          "host": "127.0.0.1", "port": %d, "zk_hosts": ["%s"],
                          "zk_path": "/nerve/services/web/services", "check_interval": 0.1,
                          "checks": [{"type": "http", "uri": "/health", "timeout": 2, "rise": 1, "fall": 1}]
                        }
                      }
                    }
                    """.formatted(backend.port(), zk.getConnectString()));
            try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json")
                    .start()) {
                int port = agent.adminPort().orElseThrow();
                await().atMost(WAIT).until(() -> web(port).get("registered").asBoolean());
                JsonNode web = web(port);
                assertThat(web.get("checks").asText()).isEqualTo("UP");
                assertThat(web.get("znode").asText()).isEqualTo("/nerve/services/web/services/agent-1_0000000000");
                assertThat(get(port, "/health").code()).isEqualTo(200);
                assertThat(get(port, "/metrics").body())
                        .containsPattern("(?m)^smartstack_nerve_registered_total\\{[^}]*service=\"web\"[^}]*} 1\\.0$");

                backend.healthy.set(false);
                await().atMost(WAIT).until(() -> web(port).get("checks").asText().equals("DOWN"));
                await().atMost(WAIT).until(() -> !web(port).get("registered").asBoolean());
                assertThat(web(port).get("reason").asText()).isNotEmpty();
                assertThat(get(port, "/metrics").body())
                        .containsPattern("(?m)^smartstack_nerve_check_failed_total\\{[^}]*service=\"web\"[^}]*} [1-9]")
                        .containsPattern("(?m)^smartstack_nerve_deregistered_total\\{[^}]*service=\"web\"[^}]*} 1\\.0$");
                // A failing service is what nerve reports, not a fault of the agent.
                assertThat(get(port, "/health").code()).isEqualTo(200);
                backend.healthy.set(true);
                await().atMost(WAIT).until(() -> web(port).get("registered").asBoolean());

                zk.stop();
                await().atMost(WAIT).until(() -> get(port, "/health").code() == 503);
                assertThat(get(port, "/health").body()).startsWith("UNHEALTHY: ZooKeeper ").contains("disconnected");

                zk.restart();
                await().atMost(WAIT).until(() -> get(port, "/health").code() == 200);
                await().atMost(WAIT).until(() -> web(port).get("registered").asBoolean());
            }
        }
    }
}
