package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.testing.Ports;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generator_config_path} left out, as most Ruby fleets do: the service's HAProxy settings
 * come from the data of its {@code discovery.path}, changed at run time with the real
 * /usr/sbin/haproxy (managed) serving a JDK HTTP backend on 127.0.0.1. A new port from the znode
 * answers and the file's port stops; a hostile value is refused (logged, counted, on
 * {@code /status}) while the settings before it keep serving.
 */
class GeneratorConfigIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final NamedBackends backends = new NamedBackends();

    @AfterEach
    void stopBackend() {
        backends.close();
    }



    private static boolean answers(int port) {
        try {
            SynapseAdminIT.Reply r = get(port, "/");
            return r.code() == 200 && r.body().equals("A");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static SynapseAdminIT.Reply get(int port, String path) throws IOException, InterruptedException {
        return SynapseAdminIT.get(port, path);
    }

    private static void settings(CuratorFramework writer, String json) throws Exception {
        writer.setData().forPath(PATH, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parentZnodeSettings_changedAtRunTime_moveTheFrontendAndAHostileOneIsRefused() throws Exception {
        int a = backends.start("A");
        int filePort = Ports.freePort();
        int znodePort = Ports.freePort();
        int hostilePort = Ports.freePort();
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            Path cfg = dir.resolve("haproxy.cfg");
            Path file = dir.resolve("synapse.conf.json");
            Files.writeString(file, """
                    {
                      "admin": {"port": 0},
                      "haproxy": {
                        "manage_process": true,
                        "haproxy_path": "/usr/sbin/haproxy",
                        "config_file_path": "%s",
                        "restart_interval": 0.2,
                        "bind_address": "127.0.0.1",
                        "global": [],
                        "defaults": ["mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"]
                      },
                      "services": {
                        "web": {
                          "discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]},
                          "haproxy": {"port": %d}
                        }
                      }
                    }
                    """.formatted(cfg, PATH, zk.getConnectString(), filePort));
            writer.create().creatingParentsIfNeeded().forPath(PATH + "/a_0000000001",
                    ("{\"name\": \"a\", \"host\": \"127.0.0.1\", \"port\": " + a + "}").getBytes(StandardCharsets.UTF_8));
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(file, file.toString()), file.toString()).start()) {
                int admin = agent.adminPort().orElseThrow();
                await().atMost(WAIT).until(() -> answers(filePort));

                // The znode's settings replace the file's section whole: a new port, server options applied.
                settings(writer, "{\"haproxy\": {\"port\": " + znodePort + ", \"server_options\": [\"check\", \"inter\", \"500ms\"],"
                        + " \"frontend\": [\"option httplog\"]}, \"file_output\": {\"disabled\": true}}");
                await().atMost(WAIT).until(() -> answers(znodePort));
                await().atMost(WAIT).until(() -> !listening(filePort));
                String applied = Files.readString(cfg);
                assertThat(applied).contains("bind 127.0.0.1:" + znodePort).contains("option httplog")
                        .containsPattern("server \\S+ 127\\.0\\.0\\.1:" + a + " .*check inter 500ms");

                // A line that would inject a section: refused, and the settings before it keep serving.
                settings(writer, "{\"haproxy\": {\"port\": " + hostilePort + ", \"frontend\": [\"option httplog\\nlisten evil\"]}}");
                await().atMost(WAIT).until(() -> refusedTotal(admin) == 1);
                JsonNode web = JSON.readTree(get(admin, "/status").body()).at("/services/web");
                assertThat(web.at("/refused/0/znode").asText()).isEqualTo(PATH);
                assertThat(web.at("/refused/0/reason").asText()).contains("haproxy.frontend[0]");
                assertThat(get(admin, "/metrics").body()).containsPattern(
                        "(?m)^smartstack_synapse_znode_refused_total\\{[^}]*detail=\"generator_config\"[^}]*service=\"web\"[^}]*} 1\\.0$");
                assertThat(answers(znodePort)).isTrue();
                assertThat(listening(hostilePort)).isFalse();
                assertThat(Files.readString(cfg)).isEqualTo(applied);

                // Data without settings keeps the ones in force, as in Ruby; a valid change after the refusal applies.
                settings(writer, "");
                settings(writer, "{\"haproxy\": {\"port\": " + hostilePort + ", \"bind_options\": \"accept-proxy\"}}");
                await().atMost(WAIT).until(() -> Files.readString(cfg).contains("bind 127.0.0.1:" + hostilePort + " accept-proxy"));
                assertThat(refusedTotal(admin)).isEqualTo(1);
            }
        }
    }

    private static long refusedTotal(int admin) throws IOException, InterruptedException {
        return JSON.readTree(get(admin, "/status").body()).at("/services/web/refusedTotal").asLong();
    }
}
