package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code smartstack synapse} in-process, from a plain Synapse config with {@code file_output}, while
 * an independent client writes Nerve registrations, some of them hostile.
 */
class SynapseAgentIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/nerve/services/web/services";

    @TempDir
    Path dir;

    /** The backends in a file_output file, as host:port; empty when there is no file yet. */
    static Set<String> backends(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Set.of();
        }
        Set<String> result = new TreeSet<>();
        for (JsonNode b : JSON.readTree(Files.readAllBytes(file))) {
            result.add(b.get("host").asText() + ":" + b.get("port").asInt());
        }
        return result;
    }

    private static void register(CuratorFramework client, String child, String json) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + child, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String nerve(String name, String host, int port) {
        return "{\"name\": \"" + name + "\", \"host\": \"" + host + "\", \"port\": " + port + "}";
    }

    private SynapseAgent agent(Path config) {
        return SynapseAgent.plan(SynapseConfig.load(config, config.toString()), config.toString());
    }

    private Path writeConfig(String name, String connect, Path out, String extraServices) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, """
                {
                  "zk_session_timeout": 4,
                  "file_output": {"output_directory": "%s"},
                  "services": {
                    "web": {
                      "discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}
                    },
                    "static": {
                      "discovery": {"method": "base"},
                      "default_servers": [{"name": "s1", "host": "127.0.0.1", "port": 7001}]
                    }%s
                  }
                }
                """.formatted(out, PATH, connect, extraServices));
        return file;
    }

    @Test
    void fileOutput_malformedZnodesAndZooKeeperRestart_tracksGoodBackendsAndCatchesUp() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            Path out = dir.resolve("out");
            Path config = writeConfig("synapse.conf.json", zk.getConnectString(), out, "");
            Path web = out.resolve("web.json");
            register(writer, "good1_0000000001", nerve("good1", "127.0.0.1", 8001));
            register(writer, "bad-newline_0000000002", nerve("bad-newline", "127.0.0.1\\nserver evil 127.0.0.1:80", 8002));
            register(writer, "bad-json_0000000003", "{\"host\": \"127.0.0.1\", \"port\": ");
            register(writer, "bad-port_0000000004", nerve("bad-port", "127.0.0.1", 70000));
            try (SynapseAgent agent = agent(config).start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> backends(web).equals(Set.of("127.0.0.1:8001")));
                assertThat(backends(out.resolve("static.json"))).containsExactly("127.0.0.1:7001");

                register(writer, "good2_0000000005", nerve("good2", "127.0.0.1", 8002));
                await().atMost(WAIT).until(() -> backends(web).equals(Set.of("127.0.0.1:8001", "127.0.0.1:8002")));
                assertThat(Files.readString(web)).doesNotContain("evil").doesNotContain("70000");

                zk.stop();
                await().atMost(WAIT).until(() -> agent.watcherStates().equals(java.util.List.of(SynapseWatcher.State.STALE)));
                assertThat(backends(web)).containsExactly("127.0.0.1:8001", "127.0.0.1:8002");

                zk.restart();
                assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
                register(writer, "good3_0000000006", nerve("good3", "127.0.0.1", 8003));
                writer.delete().forPath(PATH + "/good1_0000000001");
                await().atMost(WAIT).until(() -> backends(web).equals(Set.of("127.0.0.1:8002", "127.0.0.1:8003")));
                await().atMost(WAIT).until(() -> agent.watcherStates().equals(java.util.List.of(SynapseWatcher.State.LIVE)));
            }
            // Closing leaves the last output files in place.
            assertThat(backends(web)).containsExactly("127.0.0.1:8002", "127.0.0.1:8003");
            assertThat(backends(out.resolve("static.json"))).containsExactly("127.0.0.1:7001");
        }
    }

    @Test
    void twoClusters_oneWatcherEach_filesOfBothKeptByTheOneFileOutput() throws Exception {
        try (TestingServer zk1 = new TestingServer(true); TestingServer zk2 = new TestingServer(true);
                CuratorFramework w1 = CuratorFrameworkFactory.newClient(zk1.getConnectString(), new RetryOneTime(200));
                CuratorFramework w2 = CuratorFrameworkFactory.newClient(zk2.getConnectString(), new RetryOneTime(200))) {
            w1.start();
            w2.start();
            register(w1, "a_0000000001", nerve("a", "127.0.0.1", 9001));
            register(w2, "b_0000000001", nerve("b", "127.0.0.1", 9002));
            Path out = dir.resolve("out");
            Path config = writeConfig("synapse.conf.json", zk1.getConnectString(), out, """
                    ,
                    "api": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}},
                    "web2": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}
                    """.formatted(PATH, zk2.getConnectString(), PATH, zk1.getConnectString()));
            try (SynapseAgent agent = agent(config).start()) {
                assertThat(agent.watcherCount()).isEqualTo(2);
                await().atMost(WAIT).until(() -> backends(out.resolve("web.json")).equals(Set.of("127.0.0.1:9001"))
                        && backends(out.resolve("web2.json")).equals(Set.of("127.0.0.1:9001"))
                        && backends(out.resolve("api.json")).equals(Set.of("127.0.0.1:9002"))
                        && backends(out.resolve("static.json")).equals(Set.of("127.0.0.1:7001")));
            }
        }
    }

    @Test
    void reload_invalidConfigKeepsRunning_validConfigRebuildsAndRemovesDroppedFiles() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            register(writer, "a_0000000001", nerve("a", "127.0.0.1", 9001));
            Path out = dir.resolve("out");
            Path config = writeConfig("synapse.conf.json", zk.getConnectString(), out, "");
            Daemon<SynapseAgent, SynapseConfig> daemon = new Daemon<>("synapse", () -> agent(config),
                    SynapseAgent::config, SynapseAgent::start);
            daemon.begin(agent(config));
            try {
                await().atMost(WAIT).until(() -> backends(out.resolve("web.json")).equals(Set.of("127.0.0.1:9001")));
                SynapseAgent first = daemon.current();

                daemon.reload(); // unchanged
                assertThat(daemon.current()).isSameAs(first);

                Files.writeString(config, "{\"services\": {}}");
                daemon.reload(); // invalid: no generator
                assertThat(daemon.current()).isSameAs(first);

                Path renamed = writeConfig("synapse.conf.json", zk.getConnectString(), out, "").resolveSibling("synapse.conf.json");
                Files.writeString(renamed, Files.readString(renamed).replace("\"web\":", "\"web-new\":"));
                daemon.reload();
                assertThat(daemon.current()).isNotSameAs(first);
                await().atMost(WAIT).until(() -> backends(out.resolve("web-new.json")).equals(Set.of("127.0.0.1:9001")));
                assertThat(out.resolve("web.json")).doesNotExist();
                assertThat(backends(out.resolve("static.json"))).containsExactly("127.0.0.1:7001");
            } finally {
                daemon.stop();
            }
        }
    }

    @Test
    void reload_onlyServiceHaproxySectionChanged_configuresInPlace_otherChangeRebuilds() throws Exception {
        Path cfg = dir.resolve("haproxy.cfg");
        Path config = dir.resolve("synapse.conf.json");
        String template = """
                {
                  "haproxy": {"global": [], "defaults": [], "do_writes": true, "do_reloads": false, "do_socket": false,
                              "config_file_path": "%s"},
                  "services": {"static": {"discovery": {"method": "base"},
                    "default_servers": [{"name": "s1", "host": "127.0.0.1", "port": %d}],
                    "haproxy": {"port": %d, "server_options": "check"}}}
                }
                """;
        Files.writeString(config, template.formatted(cfg, 7001, 3213));
        Daemon<SynapseAgent, SynapseConfig> daemon = new Daemon<>("synapse", () -> agent(config),
                SynapseAgent::config, SynapseAgent::start, SynapseAgent::reconfigure);
        daemon.begin(agent(config));
        try {
            await().atMost(WAIT).until(() -> Files.exists(cfg) && Files.readString(cfg).contains(":3213"));
            SynapseAgent first = daemon.current();

            Files.writeString(config, template.formatted(cfg, 7001, 3214));
            daemon.reload(); // only the service's haproxy section: HaproxyOutput.configure, no rebuild
            assertThat(daemon.current()).isSameAs(first);
            assertThat(first.config().services().get("static").haproxy().orElseThrow().port()).contains(3214);
            await().atMost(WAIT).until(() -> Files.readString(cfg).contains(":3214") && !Files.readString(cfg).contains(":3213"));

            Files.writeString(config, template.formatted(cfg, 7002, 3214));
            daemon.reload(); // default_servers changed: rebuilt
            assertThat(daemon.current()).isNotSameAs(first);
            await().atMost(WAIT).until(() -> Files.readString(cfg).contains("127.0.0.1:7002"));
        } finally {
            daemon.stop();
        }
    }

    @Test
    void stateFile_fromHaproxySection_servesSavedBackendsWhenZooKeeperIsDownAtStart() throws Exception {
        Path out = dir.resolve("out");
        Path state = dir.resolve("synapse.state");
        Path web = out.resolve("web.json");
        Path config = dir.resolve("synapse.conf.json");
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            register(writer, "a_0000000001", nerve("a", "127.0.0.1", 9001));
            Files.writeString(config, """
                    {
                      "zk_session_timeout": 4,
                      "file_output": {"output_directory": "%s"},
                      "haproxy": {"global": [], "defaults": [], "do_writes": false, "do_reloads": false, "do_socket": false,
                                  "state_file_path": "%s", "state_file_ttl": 3600},
                      "services": {"web": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}}
                    }
                    """.formatted(out, state, PATH, zk.getConnectString()));
            try (SynapseAgent agent = agent(config).start()) {
                assertThat(agent.outputs()).hasSize(2);
                await().atMost(WAIT).until(() -> backends(web).equals(Set.of("127.0.0.1:9001")));
                await().atMost(WAIT).until(() -> Files.exists(state) && Files.readString(state).contains("9001"));
            }
        }
        Files.delete(web);
        // ZooKeeper is gone: the new agent serves the state file's backends.
        try (SynapseAgent agent = agent(config).start()) {
            await().atMost(WAIT).until(() -> backends(web).equals(Set.of("127.0.0.1:9001")));
            assertThat(agent.watcherStates()).containsExactly(SynapseWatcher.State.STALE);
        }
    }
}
