package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.testing.Ports;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.testing.Dnsmasq;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code smartstack synapse} in-process with a {@code haproxy} section using {@code manage_process}:
 * the real /usr/sbin/haproxy on 127.0.0.1, JDK HTTP backends registered as Nerve znodes by an
 * independent client; and a {@code dns} service answered by a real dnsmasq, with no ZooKeeper.
 */
class SynapseHaproxyIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";

    @TempDir
    Path dir;

    private final NamedBackends backends = new NamedBackends();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopBackends() {
        backends.close();
    }



    /** Who answers 12 requests to the frontend; failed requests are left out. */
    private Set<String> responders(int port) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 12; i++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    ids.add(r.body());
                }
            } catch (IOException e) {
                // not serving (yet): the caller awaits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ids;
            }
        }
        return ids;
    }

    private static void register(CuratorFramework client, String child, String json) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + child, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void haproxyManaged_joinsLeavesHostileZnodeAndZooKeeperLoss_trafficFollowsRegistrations() throws Exception {
        int a = backends.start("A");
        int b = backends.start("B");
        int front = Ports.freePort();
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            Path cfg = dir.resolve("haproxy.cfg");
            Path file = dir.resolve("synapse.conf.json");
            Files.writeString(file, """
                    {
                      "zk_session_timeout": 4,
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
                          "haproxy": {"port": %d, "server_options": "check inter 500ms"}
                        }
                      }
                    }
                    """.formatted(cfg, PATH, zk.getConnectString(), front));
            register(writer, "a_0000000001", "{\"name\": \"a\", \"host\": \"127.0.0.1\", \"port\": " + a + "}");
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(file, file.toString()), file.toString()).start()) {
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A")));

                register(writer, "b_0000000002", "{\"name\": \"b\", \"host\": \"127.0.0.1\", \"port\": " + b + "}");
                register(writer, "evil_0000000003", "{\"name\": \"evil\", \"host\": \"127.0.0.1\", \"port\": " + b
                        + ", \"haproxy_server_options\": \"redir http://evil.example\"}");
                register(writer, "evil2_0000000004", "{\"name\": \"evil2\", \"host\": \"127.0.0.1\\nlisten evil\", \"port\": 1}");
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A", "B")));
                assertThat(Files.readString(cfg)).doesNotContain("evil");

                writer.delete().forPath(PATH + "/a_0000000001");
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("B")));

                zk.stop();
                await().atMost(WAIT).until(() -> agent.watcherStates().contains(
                        dev.smartstack.discovery.synapse.SynapseWatcher.State.STALE));
                assertThat(responders(front)).isEqualTo(Set.of("B"));
                assertThat(Files.readString(cfg)).doesNotContain("evil");
            }
        }
    }

    @Test
    void haproxyManaged_dnsService_noZooKeeper_trafficFollowsTheNamesAnswers() throws Exception {
        int a = backends.start("A");
        int b = backends.start("B");
        int front = Ports.freePort();
        try (Dnsmasq dns = Dnsmasq.start("test")) {
            dns.hosts(Map.of("a.test", List.of("127.0.0.1")));
            Path cfg = dir.resolve("haproxy.cfg");
            Path file = dir.resolve("synapse.conf.json");
            Files.writeString(file, """
                    {
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
                          "discovery": {"method": "dns", "nameserver": "%s", "check_interval": 0.2, "servers": [
                            {"name": "a", "host": "a.test", "port": %d},
                            {"name": "b", "host": "b.test", "port": %d}]},
                          "haproxy": {"port": %d, "server_options": "check inter 500ms"}
                        }
                      }
                    }
                    """.formatted(cfg, dns.address(), a, b, front));
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(file, file.toString()), file.toString()).start()) {
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A")));
                dns.hosts(Map.of("a.test", List.of("127.0.0.1"), "b.test", List.of("127.0.0.1")));
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("A", "B")));
                dns.hosts(Map.of("b.test", List.of("127.0.0.1")));
                await().atMost(WAIT).until(() -> responders(front).equals(Set.of("B")));
                assertThat(agent.watcherStates()).containsExactly(dev.smartstack.discovery.synapse.SynapseWatcher.State.LIVE);
            }
        }
    }
}
