package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.SynapseAgentIT.backends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real runnable jar ({@code target/smartstack.jar}) running {@code synapse} as a child process:
 * SIGHUP re-reads the config, SIGTERM exits and leaves the output files in place.
 */
class SynapseProcessIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PATH = "/nerve/services/web/services";

    private static TestingServer zk;
    private static CuratorFramework writer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        zk = new TestingServer(true);
        writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        writer.start();
        writer.blockUntilConnected(30, TimeUnit.SECONDS);
        writer.create().creatingParentsIfNeeded().forPath(PATH + "/web1_0000000001",
                "{\"name\": \"web1\", \"host\": \"127.0.0.1\", \"port\": 8001}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() throws Exception {
        writer.close();
        zk.close();
    }

    private String config(Path out, String serviceName) {
        return """
                {
                  "file_output": {"output_directory": "%s"},
                  "services": {
                    "%s": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}
                  }
                }
                """.formatted(out, serviceName, PATH, zk.getConnectString());
    }

    private Process startAgent(Path file) throws Exception {
        Path jar = Path.of("target", "smartstack.jar");
        assertThat(jar).exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "synapse", "--config", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile())
                .start();
    }

    private static void signal(Process p, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private String log() throws Exception {
        return Files.readString(dir.resolve("agent.log"));
    }

    @Test
    void sighupThenSigterm_reloadsValidConfigKeepsOldOnInvalid_exits143LeavingFiles() throws Exception {
        Path out = dir.resolve("out");
        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, config(out, "web"));
        Process agent = startAgent(file);
        try {
            await().atMost(WAIT).until(() -> backends(out.resolve("web.json")).equals(Set.of("127.0.0.1:8001")));

            Files.writeString(file, "{\"services\": {}}");
            signal(agent, "HUP");
            await().atMost(WAIT).until(() -> log().contains("ERROR Daemon - synapse: config reload refused, still running "
                    + "the previous config: " + file + ": at least one generator is required"));
            assertThat(agent.isAlive()).isTrue();

            Files.writeString(file, config(out, "web-v2"));
            signal(agent, "HUP");
            await().atMost(WAIT).until(() -> backends(out.resolve("web-v2.json")).equals(Set.of("127.0.0.1:8001")));
            assertThat(out.resolve("web.json")).doesNotExist();

            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The JVM's conventional status after SIGTERM, once the shutdown hook has closed the agent.
            assertThat(agent.exitValue()).isEqualTo(143);
            assertThat(backends(out.resolve("web-v2.json"))).containsExactly("127.0.0.1:8001");
            assertThat(log()).contains("INFO SynapseAgent - synapse stopped").doesNotContain("Exception");
        } finally {
            agent.destroyForcibly();
        }
    }

    private static String pgrep(String pattern) throws Exception {
        Process p = new ProcessBuilder("pgrep", "-f", pattern).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void sigterm_managedHaproxy_stateSavedStoppedOnceNeverRestarted() throws Exception {
        // before: the output logged "managed haproxy exited unexpectedly (... exited with status 0);
        // starting it again", failed to save the server state, and Runtime.addShutdownHook threw
        // "Shutdown in progress"
        Path cfg = dir.resolve("haproxy.cfg");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, """
                {
                  "haproxy": {
                    "manage_process": true, "haproxy_path": "/usr/sbin/haproxy", "config_file_path": "%s",
                    "global": [], "defaults": ["mode http", "timeout connect 1s", "timeout client 5s", "timeout server 5s"]
                  },
                  "services": {
                    "web": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]},
                            "haproxy": {"port": %d, "bind_address": "127.0.0.1"}}
                  }
                }
                """.formatted(cfg, PATH, zk.getConnectString(), port));
        Process agent = startAgent(file);
        try {
            await().atMost(WAIT).until(() -> Files.exists(cfg) && Files.readString(cfg).contains("web1_127.0.0.1:8001")
                    && !pgrep(cfg.toString()).isEmpty());
            // the reload that brought the web frontend (and its server) has happened
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    return s.isConnected();
                }
            });
            agent.destroy(); // SIGTERM
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.exitValue()).isEqualTo(143);
            await().atMost(WAIT).until(() -> pgrep(cfg.toString()).isEmpty());
            assertThat(log()).doesNotContain("exited unexpectedly", "Exception", "Shutdown in progress");
            assertThat(Files.readString(dir.resolve("haproxy.cfg.state"))).startsWith("1\n").contains(" web ");
        } finally {
            agent.destroyForcibly();
        }
    }
}
