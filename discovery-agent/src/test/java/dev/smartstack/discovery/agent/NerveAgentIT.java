package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.NerveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent in-process, from a plain Nerve config file, seen by an independent ZooKeeper client. */
class NerveAgentIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void nerveConfig_healthFlips_znodeAppearsVanishesAfterFallAndReturns() throws Exception {
        try (TestingServer zk = new TestingServer(true); HealthServer backend = new HealthServer()) {
            Path heartbeat = dir.resolve("heartbeat");
            Path file = dir.resolve("nerve.conf.json");
            Files.writeString(file, """
                    {
                      "instance_id": "agent-1",
                      "heartbeat_path": "%s",
                      "services": {
                        "web": {
                          "host": "127.0.0.1",
                          "port": %d,
                          "zk_hosts": ["%s"],
                          "zk_path": "/nerve/services/web/services",
                          "check_interval": 0.1,
                          "weight": 5,
                          "checks": [
                            {"type": "http", "uri": "/health", "timeout": 2, "rise": 2, "fall": 3, "expect": "OK"}
                          ]
                        },
                        "web-tcp": {
                          "host": "127.0.0.1",
                          "port": %d,
                          "zk_hosts": ["%s"],
                          "zk_path": "/nerve/services/web-tcp/services",
                          "node_type": "ephemeral",
                          "checks": [{"type": "tcp", "timeout": 2}]
                        }
                      }
                    }
                    """.formatted(heartbeat, backend.port(), zk.getConnectString(), backend.port(), zk.getConnectString()));
            try (CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                observer.start();
                observer.blockUntilConnected(30, TimeUnit.SECONDS);
                String path = "/nerve/services/web/services";
                try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json").start()) {
                    await().atMost(WAIT).until(() -> children(observer, path).size() == 1);
                    String child = children(observer, path).get(0);
                    assertThat(child).isEqualTo("agent-1_0000000000");
                    assertThat(JSON.readTree(observer.getData().forPath(path + "/" + child)).toString())
                            .isEqualTo("{\"host\":\"127.0.0.1\",\"port\":" + backend.port() + ",\"name\":\"agent-1\",\"weight\":5}");
                    await().atMost(WAIT).until(() -> children(observer, "/nerve/services/web-tcp/services").equals(List.of("agent-1")));
                    await().atMost(WAIT).until(() -> Files.exists(heartbeat));
                    assertThat(Files.readString(heartbeat).strip()).matches("\\d+");

                    backend.healthy.set(false);
                    int before = backend.requests.get();
                    await().atMost(WAIT).until(() -> children(observer, path).isEmpty());
                    assertThat(backend.requests.get() - before).isGreaterThanOrEqualTo(3);
                    assertThat(agent.isRegistered("web")).isFalse();

                    backend.healthy.set(true);
                    await().atMost(WAIT).until(() -> children(observer, path).size() == 1);
                    assertThat(children(observer, path).get(0)).isEqualTo("agent-1_0000000001");
                }
                assertThat(children(observer, path)).isEmpty();
                assertThat(children(observer, "/nerve/services/web-tcp/services")).isEmpty();
            }
        }
    }

    @Test
    void nerveConfig_usePathEncoding_independentClientDecodesTheNameToTheData() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            Path file = dir.resolve("nerve.conf.json");
            Files.writeString(file, """
                    {
                      "instance_id": "agent-1",
                      "services": {
                        "web": {
                          "host": "127.0.0.1",
                          "port": 8080,
                          "zk_hosts": ["%s"],
                          "zk_path": "/nerve/services/web/services",
                          "check_interval": 0.1,
                          "weight": 5,
                          "labels": {"az": "a"},
                          "use_path_encoding": true
                        }
                      }
                    }
                    """.formatted(zk.getConnectString()));
            try (CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                observer.start();
                observer.blockUntilConnected(30, TimeUnit.SECONDS);
                String path = "/nerve/services/web/services";
                try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json").start()) {
                    await().atMost(WAIT).until(() -> children(observer, path).size() == 1);
                    String child = children(observer, path).get(0);
                    byte[] data = observer.getData().forPath(path + "/" + child);
                    assertThat(new String(data, java.nio.charset.StandardCharsets.UTF_8))
                            .isEqualTo("{\"host\":\"127.0.0.1\",\"port\":8080,\"name\":\"agent-1\",\"weight\":5,"
                                    + "\"labels\":{\"az\":\"a\"}}");
                    String b64 = java.util.Base64.getUrlEncoder().encodeToString(data);
                    assertThat(child).isEqualTo("base64_" + b64.length() + "_" + b64 + "_0000000000");
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("base64_(\\d+)_(.+)_\\d{10}").matcher(child);
                    assertThat(m.matches()).isTrue();
                    assertThat(java.util.Base64.getUrlDecoder().decode(m.group(2))).isEqualTo(data);
                    assertThat(agent.isRegistered("web")).isTrue();
                }
                assertThat(children(observer, path)).isEmpty();
            }
        }
    }

    @Test
    void nerveConfig_persistentWithTtl_persistentNodeRenewedThenDeletedOnStop() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            Path file = dir.resolve("nerve.conf.json");
            Files.writeString(file, """
                    {"instance_id": "agent-1", "services": {"queue": {"host": "127.0.0.1", "port": 5672,
                      "zk_hosts": ["%s"], "zk_path": "/nerve/services/queue/services", "check_interval": 0.1,
                      "node_type": "persistent", "ttl_seconds": 1}}}
                    """.formatted(zk.getConnectString()));
            try (CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                observer.start();
                observer.blockUntilConnected(30, TimeUnit.SECONDS);
                String node = "/nerve/services/queue/services/agent-1_";
                try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json").start()) {
                    await().atMost(WAIT).until(() -> observer.checkExists().forPath(node) != null);
                    org.apache.zookeeper.data.Stat first = observer.checkExists().forPath(node);
                    assertThat(first.getEphemeralOwner()).isZero();
                    await().atMost(WAIT).until(() -> observer.checkExists().forPath(node).getVersion() > first.getVersion());
                    assertThat(agent.isRegistered("queue")).isTrue();
                }
                assertThat(observer.checkExists().forPath(node)).isNull();
            }
        }
    }

    @Test
    void twoSequentialServicesUnderOnePrefix_bothStayRegistered() throws Exception {
        // As in Ruby's example nerve.conf.json: same zk_path and instance_id, two services.
        try (TestingServer zk = new TestingServer(true); HealthServer backend = new HealthServer()) {
            Path file = dir.resolve("nerve.conf.json");
            String service = """
                    {"host": "127.0.0.1", "port": %d, "zk_hosts": ["%s"], "zk_path": "/nerve/services/shared/services",
                     "check_interval": 0.1, "checks": [{"type": "http", "uri": "/health", "timeout": 2}]}
                    """.formatted(backend.port(), zk.getConnectString());
            Files.writeString(file, "{\"instance_id\": \"host-1\", \"services\": {\"a\": " + service + ", \"b\": " + service + "}}");
            try (CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                observer.start();
                observer.blockUntilConnected(30, TimeUnit.SECONDS);
                String path = "/nerve/services/shared/services";
                try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json").start()) {
                    await().atMost(WAIT).until(() -> agent.isRegistered("a") && agent.isRegistered("b")
                            && children(observer, path).size() == 2);
                    // Each reporter deletes stale nodes of its own session after registering; with one shared
                    // session they would take each other's nodes and re-register in turn. Let both run many rounds.
                    String a = agent.registeredPath("a").orElseThrow();
                    String b = agent.registeredPath("b").orElseThrow();
                    int before = backend.requests.get();
                    await().atMost(WAIT).until(() -> backend.requests.get() >= before + 30);
                    assertThat(agent.registeredPath("a")).contains(a);
                    assertThat(agent.registeredPath("b")).contains(b);
                    assertThat(children(observer, path)).containsExactlyInAnyOrder(
                            a.substring(path.length() + 1), b.substring(path.length() + 1));
                }
                assertThat(children(observer, path)).isEmpty();
            }
        }
    }

    static List<String> children(CuratorFramework c, String path) throws Exception {
        return c.checkExists().forPath(path) == null ? List.of() : c.getChildren().forPath(path);
    }
}
