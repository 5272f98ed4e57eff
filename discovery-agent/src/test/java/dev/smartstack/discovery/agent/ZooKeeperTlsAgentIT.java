package dev.smartstack.discovery.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.testing.Ports;
import dev.smartstack.discovery.testing.TestCertificates;
import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' (ext) {@code zk_auth} and {@code zk_tls} against a real ZooKeeper with a Netty
 * {@code secureClientPort} and mutual TLS (a child JVM; certificates from
 * {@link TestCertificates}): {@code smartstack nerve} registers with digest ACLs and
 * {@code smartstack synapse} watches, both over TLS from their config files alone, with the
 * passwords in files and in the environment; other identities cannot change the registration, and
 * a synapse whose certificate the server does not accept never connects.
 */
class ZooKeeperTlsAgentIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long a refused agent is given to (wrongly) connect. */
    private static final Duration REFUSED_WAIT = Duration.ofSeconds(4);
    private static final String PATH = "/nerve/services/web/services";
    private static final String DIGEST_PASSWORD = "nerve-s3cret";

    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static ZooKeeperProcess zk;
    private static String secureHosts;
    private static Path storePasswordFile;

    @BeforeAll
    static void startSecureZooKeeper() throws IOException {
        certs = TestCertificates.shared();
        int securePort = Ports.freePort();
        zk = ZooKeeperProcess.withConfig(certs.secureServerConfig(securePort)).start();
        secureHosts = "127.0.0.1:" + securePort;
        storePasswordFile = Files.writeString(dir.resolve("stores.pass"), TestCertificates.PASSWORD + "\n");
    }

    @AfterAll
    static void stopZooKeeper() {
        if (zk != null) {
            zk.close();
        }
    }

    /** {@code zk_tls} with the CA's trust store and {@code keyStore} (none when null), passwords from a file. */
    private static String zkTls(String keyStore) {
        String key = keyStore == null ? "" : """
                , "key_store": {"path": "%s", "password_file": "%s"}""".formatted(certs.keyStore(keyStore), storePasswordFile);
        return """
                "zk_tls": {"trust_store": {"path": "%s", "password_file": "%s"}%s},
                """.formatted(certs.trustStore(), storePasswordFile, key);
    }

    private static Path synapseConfig(String name, String keyStore, Path out) throws IOException {
        return Files.writeString(dir.resolve(name + ".conf.json"), """
                {%s "zk_session_timeout": 6,
                 "file_output": {"output_directory": "%s"},
                 "services": {"web": {"discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]}}}}
                """.formatted(zkTls(keyStore), out, PATH, secureHosts));
    }

    private static SynapseAgent synapse(Path config) {
        return SynapseAgent.plan(SynapseConfig.load(config, config.toString(), Map.of()), config.toString());
    }

    /** A client of the library's own settings: TLS with {@code keyStore}, and digest {@code user} unless null. */
    private static CuratorFramework intruder(String keyStore, String user) throws InterruptedException {
        ZooKeeperSettings.Builder b = ZooKeeperSettings.builder().connectString(secureHosts)
                .retryPolicy(new RetryOneTime(200))
                .tls(ZooKeeperSettings.Tls.trustStore(certs.trustStore(), TestCertificates.PASSWORD)
                        .withKeyStore(certs.keyStore(keyStore), TestCertificates.PASSWORD));
        if (user != null) {
            b.digest(user, "guess");
        }
        CuratorFramework c = b.build().newClient();
        c.start();
        assertThat(c.blockUntilConnected((int) WAIT.toSeconds(), TimeUnit.SECONDS)).as("intruder connected").isTrue();
        return c;
    }

    @Test
    void agents_tlsAndDigestAclFromTheirConfigFiles_registerAndWatch_andOthersCannotChangeTheRegistration()
            throws Exception {
        Path nerveFile = Files.writeString(dir.resolve("nerve.conf.json"), """
                {"instance_id": "web-1", "zk_session_timeout": 6,
                 "zk_auth": {"digest": {"user": "nerve-web", "password_env": "ZK_DIGEST_PASSWORD"},
                             "acl": "creator_all_world_read"},
                 %s
                 "services": {"web": {"host": "127.0.0.1", "port": 8080, "zk_hosts": ["%s"], "zk_path": "%s",
                   "check_interval": 0.2, "checks": [{"type": "noop"}]}}}
                """.formatted(zkTls("nerve"), secureHosts, PATH));
        Path out = dir.resolve("out");
        Path web = out.resolve("web.json");
        NerveConfig nerveConfig = NerveConfig.load(nerveFile, "nerve.conf.json", null,
                Map.of("ZK_DIGEST_PASSWORD", DIGEST_PASSWORD));
        assertThat(nerveConfig.toString()).doesNotContain(DIGEST_PASSWORD).doesNotContain(TestCertificates.PASSWORD);
        try (NerveAgent nerve = NerveAgent.plan(nerveConfig, "nerve.conf.json").start();
                SynapseAgent synapse = synapse(synapseConfig("synapse", "synapse", out)).start();
                CuratorFramework mallory = intruder("other", "mallory");
                CuratorFramework anonymous = intruder("other", null)) {
            await().atMost(WAIT).until(() -> nerve.isRegistered("web"));
            assertThat(synapse.awaitInitialized(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> SynapseAgentIT.backends(web).equals(Set.of("127.0.0.1:8080")));

            List<String> children = anonymous.getChildren().forPath(PATH);
            assertThat(children).hasSize(1);
            String node = PATH + "/" + children.get(0);
            List<ACL> acl = anonymous.getACL().forPath(node);
            assertThat(acl).extracting(a -> a.getId().getScheme() + ":" + a.getPerms())
                    .contains("world:" + ZooDefs.Perms.READ)
                    .anyMatch(s -> s.startsWith("digest:"));
            assertThat(acl).filteredOn(a -> a.getId().getScheme().equals("digest"))
                    .allMatch(a -> a.getId().getId().startsWith("nerve-web:") && a.getPerms() == ZooDefs.Perms.ALL);
            byte[] before = anonymous.getData().forPath(node);
            for (CuratorFramework other : List.of(mallory, anonymous)) {
                assertThatThrownBy(() -> other.delete().forPath(node)).isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> other.setData().forPath(node, "{\"host\":\"127.0.0.9\",\"port\":1}".getBytes(UTF_8)))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> other.create().forPath(PATH + "/evil_0000000001",
                        "{\"host\":\"127.0.0.9\",\"port\":1}".getBytes(UTF_8))).isInstanceOf(KeeperException.NoAuthException.class);
            }
            assertThat(anonymous.getData().forPath(node)).isEqualTo(before);
            assertThat(anonymous.getChildren().forPath(PATH)).isEqualTo(children);
            assertThat(SynapseAgentIT.backends(web)).containsExactly("127.0.0.1:8080");
        }
    }

    @Test
    void sighup_digestPasswordFileChanged_agentRebuiltAndRegistersWithTheNewIdentity() throws Exception {
        // The plain client port of the same server: this is about reading the password again, not TLS.
        Path password = Files.writeString(dir.resolve("digest.pass"), "first-password\n");
        Path file = Files.writeString(dir.resolve("reload-nerve.conf.json"), """
                {"instance_id": "web-2", "zk_session_timeout": 6,
                 "zk_auth": {"digest": {"user": "nerve-reload", "password_file": "%s"}, "acl": "creator_all_world_read"},
                 "services": {"web": {"host": "127.0.0.1", "port": 8081, "zk_hosts": ["%s"], "zk_path": "/reload/web",
                   "check_interval": 0.2, "checks": [{"type": "noop"}]}}}
                """.formatted(password, zk.connectString()));
        Daemon<NerveAgent, NerveConfig> daemon = new Daemon<>("nerve",
                () -> NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null, Map.of()), "nerve.conf.json"),
                NerveAgent::config, NerveAgent::start, NerveAgent::reconfigure);
        // ZooKeeper shows a digest ACL's hash ("user:x" otherwise) only to a client with ADMIN on the
        // node: this observer holds both identities.
        try (CuratorFramework observer = ZooKeeperSettings.builder().connectString(zk.connectString())
                .digest("nerve-reload", "first-password").digest("nerve-reload", "second-password").build().newClient()) {
            observer.start();
            // The operator's path, open to the service's writers: with creator_all_world_read on a
            // parent nerve created, the new identity could not register under it (see configuration.md).
            observer.create().creatingParentsIfNeeded().forPath("/reload/web");
            daemon.begin(NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null, Map.of()), "nerve.conf.json"));
            await().atMost(WAIT).untilAsserted(() -> assertThat(digestIds(observer, "/reload/web"))
                    .containsExactly(DigestAuthenticationProvider.generateDigest("nerve-reload:first-password")));
            NerveAgent first = daemon.current();

            Files.writeString(password, "second-password\n");
            daemon.reload();

            assertThat(daemon.current()).isNotSameAs(first);
            await().atMost(WAIT).untilAsserted(() -> assertThat(digestIds(observer, "/reload/web"))
                    .containsExactly(DigestAuthenticationProvider.generateDigest("nerve-reload:second-password")));
        } finally {
            daemon.stop();
        }
    }

    /** The digest ids in the ACL of the one child of {@code path}; the children's names while there is not exactly one. */
    private static List<String> digestIds(CuratorFramework client, String path) throws Exception {
        List<String> children = client.getChildren().forPath(path);
        if (children.size() != 1) {
            return children;
        }
        try {
            return client.getACL().forPath(path + "/" + children.get(0)).stream()
                    .filter(a -> a.getId().getScheme().equals("digest")).map(a -> a.getId().getId()).toList();
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    @Test
    void synapseAgent_withoutTheRightCertificate_isRefused() throws Exception {
        // Both try at once, each given at least REFUSED_WAIT from its start.
        try (SynapseAgent rogue = synapse(synapseConfig("rogue", TestCertificates.ROGUE, dir.resolve("rogue-out"))).start();
                SynapseAgent noCertificate = synapse(synapseConfig("no-cert", null, dir.resolve("no-cert-out"))).start()) {
            long deadline = System.nanoTime() + REFUSED_WAIT.toNanos();
            assertThat(rogue.awaitInitialized(REFUSED_WAIT)).as("a client certificate the CA did not sign").isFalse();
            assertThat(noCertificate.awaitInitialized(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))))
                    .as("no client certificate").isFalse();
        }
        // The same config with the right certificate does connect, so the refusals mean something.
        try (SynapseAgent right = synapse(synapseConfig("right", "synapse", dir.resolve("right-out"))).start()) {
            assertThat(right.awaitInitialized(WAIT)).isTrue();
        }
    }
}
