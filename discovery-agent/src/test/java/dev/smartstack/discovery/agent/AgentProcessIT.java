package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real runnable jar ({@code target/smartstack.jar}, built in {@code package}) as a child
 * process: SIGTERM deregisters before exit, and kill -9 leaves the node to the session timeout.
 */
class AgentProcessIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";

    private static TestingServer zk;
    private static CuratorFramework observer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        zk = new TestingServer(true);
        observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        observer.start();
        observer.blockUntilConnected(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        observer.close();
        zk.close();
    }

    private Process startAgent(String instanceId, double sessionTimeoutSeconds) throws Exception {
        return startAgent(instanceId, sessionTimeoutSeconds, "");
    }

    /** {@code more}: further keys of the service "web", and further services, as JSON text. */
    private Process startAgent(String instanceId, double sessionTimeoutSeconds, String more) throws Exception {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {
                  "instance_id": "%s",
                  "zk_session_timeout": %s,
                  "services": {
                    "web": {
                      "host": "127.0.0.1", "port": 8080,
                      "zk_hosts": ["%s"], "zk_path": "%s",
                      "check_interval": 0.1,
                      "check_mocked": true
                      %s
                    }
                  }
                }
                """.formatted(instanceId, sessionTimeoutSeconds, zk.getConnectString(), PATH, more));
        Path jar = Path.of("target", "smartstack.jar");
        assertThat(jar).exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "nerve", "--config", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile())
                .start();
    }

    private List<String> mine(String instanceId) throws Exception {
        if (observer.checkExists().forPath(PATH) == null) {
            return List.of();
        }
        return observer.getChildren().forPath(PATH).stream().filter(c -> c.startsWith(instanceId + "_")).toList();
    }

    @Test
    void sigterm_deregistersBeforeExit() throws Exception {
        Process agent = startAgent("term-1", 30);
        try {
            await().atMost(WAIT).until(() -> mine("term-1").size() == 1);
            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The session lasts 30 s: the node is gone at exit because the agent deleted it (its log says so).
            assertThat(mine("term-1")).isEmpty();
            String log = Files.readString(dir.resolve("agent.log"));
            assertThat(log).contains("INFO NerveReporter - nerve 'web' deregistered " + PATH + "/term-1_");
            assertThat(log).doesNotContain("Exception");
        } finally {
            agent.destroyForcibly();
        }
    }

    @Test
    void sigint_deregistersBeforeExit() throws Exception {
        Process agent = startAgent("int-1", 30);
        try {
            await().atMost(WAIT).until(() -> mine("int-1").size() == 1);
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(agent.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(mine("int-1")).isEmpty();
            assertThat(Files.readString(dir.resolve("agent.log"))).contains("nerve 'web' deregistered " + PATH + "/int-1_");
        } finally {
            agent.destroyForcibly();
        }
    }

    @Test
    void sighup_validConfigAddsService_invalidConfigKeepsRunning() throws Exception {
        Process agent = startAgent("hup-1", 30);
        try {
            await().atMost(WAIT).until(() -> mine("hup-1").size() == 1);
            Path file = dir.resolve("nerve.conf.json");
            String valid = Files.readString(file);
            Files.writeString(file, "{\"instance_id\": \"hup-1\"}");
            kill(agent, "HUP");
            await().atMost(WAIT).until(() -> Files.readString(dir.resolve("agent.log")).contains(
                    "ERROR Daemon - nerve: config reload refused, still running the previous config: " + file
                            + ": services: required key is missing"));
            assertThat(agent.isAlive()).isTrue();
            assertThat(mine("hup-1")).hasSize(1);

            Files.writeString(file, valid.replace("\"port\": 8080", "\"port\": 8081"));
            kill(agent, "HUP");
            await().atMost(WAIT).until(() -> {
                List<String> nodes = mine("hup-1");
                return nodes.size() == 1 && new String(observer.getData().forPath(PATH + "/" + nodes.get(0)),
                        java.nio.charset.StandardCharsets.UTF_8).contains("8081");
            });
            assertThat(agent.isAlive()).isTrue();
        } finally {
            agent.destroyForcibly();
        }
    }

    private static void kill(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void kill9_nodeRemovedAfterSessionTimeout() throws Exception {
        Process agent = startAgent("kill-1", 3);
        try {
            await().atMost(WAIT).until(() -> mine("kill-1").size() == 1);
            String node = PATH + "/" + mine("kill-1").get(0);
            Stat stat = observer.checkExists().forPath(node);
            assertThat(stat.getEphemeralOwner()).isNotZero();
            agent.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.exitValue()).isEqualTo(137);
            await().atMost(WAIT).until(() -> observer.checkExists().forPath(node) == null);
            assertThat(Files.readString(dir.resolve("agent.log"))).doesNotContain("deregistered");
        } finally {
            agent.destroyForcibly();
        }
    }

    @Test
    void kill9_persistentNode_leftBehindAfterSessionEnds_restartWithSameIdentityTakesItOver() throws Exception {
        // A second service with an ephemeral node shows when the killed agent's session has ended.
        String more = """
                , "node_type": "persistent", "ttl_seconds": 1},
                "marker": {"host": "127.0.0.1", "port": 8081, "zk_hosts": ["%s"], "zk_path": "/nerve/marker",
                  "check_interval": 0.1, "check_mocked": true
                """.formatted(zk.getConnectString());
        String node = PATH + "/persist-1_";
        Process agent = startAgent("persist-1", 3, more);
        Stat before;
        try {
            await().atMost(WAIT).until(() -> observer.checkExists().forPath(node) != null
                    && observer.checkExists().forPath("/nerve/marker") != null
                    && observer.getChildren().forPath("/nerve/marker").size() == 1);
            before = observer.checkExists().forPath(node);
            assertThat(before.getEphemeralOwner()).isZero();
            agent.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).until(() -> observer.getChildren().forPath("/nerve/marker").isEmpty());
            assertThat(observer.checkExists().forPath(node)).isNotNull();
        } finally {
            agent.destroyForcibly();
        }
        Process again = startAgent("persist-1", 3, more);
        try {
            await().atMost(WAIT).until(() -> Files.readString(dir.resolve("agent.log")).contains("took over"));
            Stat now = observer.checkExists().forPath(node);
            assertThat(now.getCzxid()).isEqualTo(before.getCzxid());
            assertThat(mine("persist-1")).containsExactly("persist-1_");
            kill(again, "TERM");
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(observer.checkExists().forPath(node)).isNull();
        } finally {
            again.destroyForcibly();
        }
    }
}
