package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.testing.Dnsmasq;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corpus files from {@code src/test/resources/ruby-configs} run for real: only the ZooKeeper
 * address and the output directory are rewritten to the test's own (and, for the poll, the
 * interval shortened so that the test does not wait 30 s).
 */
class RubyCorpusRunIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path CORPUS = Path.of("src", "test", "resources", "ruby-configs", "synapse");

    @TempDir
    Path dir;

    private Path corpusFile(String name, String connect, Path out) throws Exception {
        String text = Files.readString(CORPUS.resolve(name))
                .replace("127.0.0.1:2181", connect)
                .replace("/tmp/synapse-corpus", out.toString())
                .replace("\"polling_interval_sec\": 30", "\"polling_interval_sec\": 1");
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private static void register(CuratorFramework c, String path, String child, int port) throws Exception {
        c.create().creatingParentsIfNeeded().forPath(path + "/" + child, ("{\"name\": \"" + child
                + "\", \"host\": \"127.0.0.1\", \"port\": " + port + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void zookeeperPoll_corpusFile_servesWhatIsRegistered_andFollowsChangesByPolling() throws Exception {
        String path = "/nerve/services/inventory/services";
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            register(writer, path, "i1_0000000001", 8101);
            Path out = dir.resolve("out");
            Path config = corpusFile("synapse-zookeeper-poll.json", zk.getConnectString(), out);
            Path file = out.resolve("inventory.json");
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()),
                    config.toString()).start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(file).equals(Set.of("127.0.0.1:8101")));
                register(writer, path, "i2_0000000002", 8102);
                writer.delete().forPath(path + "/i1_0000000001");
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(file).equals(Set.of("127.0.0.1:8102")));
            }
        }
    }

    @Test
    void base_corpusFile_writesItsDefaultServers() throws Exception {
        Path out = dir.resolve("out");
        Path config = corpusFile("synapse-base.yaml", "unused:2181", out);
        try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()),
                config.toString()).start()) {
            assertThat(agent.awaitInitialized(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> SynapseAgentIT.backends(out.resolve("legacy-db.json"))
                    .equals(Set.of("127.0.0.1:5432", "127.0.0.1:5433")));
        }
    }

    @Test
    void dns_corpusFile_servesTheNamesAnswers_andFollowsThem() throws Exception {
        try (Dnsmasq dns = Dnsmasq.start("example.com")) {
            dns.hosts(Map.of("mx-a.example.com", List.of("127.0.0.21"), "mx-b.example.com", List.of("127.0.0.22", "::1")));
            Path out = dir.resolve("out");
            Path config = corpusFile("synapse-dns.json", "unused:2181", out);
            Files.writeString(config, Files.readString(config)
                    .replace("\"nameserver\": \"127.0.0.1\"", "\"nameserver\": \"" + dns.address() + "\"")
                    .replace("\"check_interval\": 10", "\"check_interval\": 0.2"));
            Path file = out.resolve("mail.json");
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()),
                    config.toString()).start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(file),
                        b -> b.equals(Set.of("127.0.0.21:25", "127.0.0.22:25", "::1:25")));
                dns.hosts(Map.of("mx-a.example.com", List.of("127.0.0.23"), "mx-b.example.com", List.of("127.0.0.22")));
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(file),
                        b -> b.equals(Set.of("127.0.0.23:25", "127.0.0.22:25")));
            }
        }
    }

    @Test
    void multi_corpusFile_sequentialAndUnionOverTwoZooKeepers() throws Exception {
        String accounts = "/nerve/services/accounts/services";
        String profiles = "/nerve/services/profiles/services";
        try (TestingServer a = new TestingServer(true); TestingServer b = new TestingServer(true);
                CuratorFramework wa = CuratorFrameworkFactory.newClient(a.getConnectString(), new RetryOneTime(200));
                CuratorFramework wb = CuratorFrameworkFactory.newClient(b.getConnectString(), new RetryOneTime(200))) {
            wa.start();
            wb.start();
            assertThat(wa.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            assertThat(wb.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            register(wa, accounts, "a1_0000000001", 8201);
            register(wb, accounts, "b1_0000000001", 8202);
            register(wa, profiles, "p1_0000000001", 8301);
            register(wb, profiles, "p2_0000000001", 8302);
            Path out = dir.resolve("out");
            Path config = corpusFile("synapse-multi.json", a.getConnectString(), out);
            Files.writeString(config, Files.readString(config).replace("127.0.0.1:2182", b.getConnectString()));
            try (SynapseAgent agent = SynapseAgent.plan(SynapseConfig.load(config, config.toString()),
                    config.toString()).start()) {
                assertThat(agent.awaitInitialized(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(out.resolve("accounts.json")),
                        s -> s.equals(Set.of("127.0.0.1:8201")));
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(out.resolve("profiles.json")),
                        s -> s.equals(Set.of("127.0.0.1:8301", "127.0.0.1:8302")));
                a.stop(); // primary's ZooKeeper is gone: sequential moves to secondary, union keeps both
                await().atMost(WAIT).until(() -> SynapseAgentIT.backends(out.resolve("accounts.json")),
                        s -> s.equals(Set.of("127.0.0.1:8202")));
                assertThat(SynapseAgentIT.backends(out.resolve("profiles.json")))
                        .isEqualTo(Set.of("127.0.0.1:8301", "127.0.0.1:8302"));
            }
        }
    }
}
