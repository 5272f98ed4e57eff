package dev.smartstack.discovery.smartstack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import dev.smartstack.discovery.testing.Ports;
import dev.smartstack.discovery.testing.TestCertificates;
import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZooKeeper over TLS, end to end at the library level: a real ZooKeeper (a child JVM, so that its
 * {@code ssl.*} settings, which ZooKeeper turns into system properties, cannot leak into the
 * clients under test) with a Netty {@code secureClientPort} on 127.0.0.1 and mutual TLS, and
 * certificates the test generates with the JDK's keytool. Registration ({@link NerveReporter}) and
 * watching ({@link SynapseWatcher}) use {@link ZooKeeperSettings.Tls}; registrations carry digest
 * ACLs ({@code creatorAllWorldRead}).
 */
class ZooKeeperTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long a refused client is given to (wrongly) connect. */
    private static final Duration REFUSED_WAIT = Duration.ofSeconds(4);
    private static final String PATH = "/tls-it/web/services";

    @TempDir
    static Path dir;
    private static TestCertificates certs;
    private static ZooKeeperProcess zk;
    private static int securePort;

    @BeforeAll
    static void startSecureZooKeeper() {
        certs = TestCertificates.shared();
        securePort = Ports.freePort();
        zk = ZooKeeperProcess.withConfig(certs.secureServerConfig(securePort)).start();
    }

    @AfterAll
    static void stopZooKeeper() {
        if (zk != null) {
            zk.close();
        }
    }

    private static ZooKeeperSettings.Builder tls(String keyStoreName) {
        return ZooKeeperSettings.builder()
                .connectString("127.0.0.1:" + securePort)
                .sessionTimeout(Duration.ofSeconds(6))
                .retryPolicy(new RetryOneTime(200))
                .tls(ZooKeeperSettings.Tls.trustStore(certs.trustStore(), TestCertificates.PASSWORD)
                        .withKeyStore(certs.keyStore(keyStoreName), TestCertificates.PASSWORD));
    }

    private static CuratorFramework connected(ZooKeeperSettings settings) throws InterruptedException {
        CuratorFramework c = settings.newClient();
        c.start();
        assertThat(c.blockUntilConnected((int) WAIT.toSeconds(), TimeUnit.SECONDS)).as("connected: %s", settings).isTrue();
        return c;
    }

    @Test
    void tls_registrationAndWatch_work_andAnotherIdentityCannotDeleteOrOverwriteTheRegistration() throws Exception {
        ZooKeeperSettings nerveSettings = tls("nerve").digest("nerve", "s3cret").creatorAllWorldRead().build();
        NerveService web = NerveService.builder().name("web").instanceId("web-1").host("127.0.0.1").port(8080)
                .zkPath(PATH).build();
        try (NerveReporter nerve = NerveReporter.builder().zooKeeper(nerveSettings).service(web).build().start();
                SynapseWatcher synapse = SynapseWatcher.builder().zooKeeper(tls("other").build())
                        .service(WatchedService.builder().name("web").path(PATH).build()).build().start();
                CuratorFramework mallory = connected(tls("other").digest("mallory", "guess").build());
                CuratorFramework anonymous = connected(tls("other").build())) {
            await().atMost(WAIT).until(() -> nerve.isRegistered("web"));
            await().atMost(WAIT).until(() -> synapse.snapshot("web").backends().size() == 1);
            ServiceInstance seen = synapse.snapshot("web").backends().get(0);
            assertThat(seen.address()).isEqualTo("127.0.0.1:8080");
            assertThat(seen.name()).isEqualTo("web-1");

            String node = nerve.registeredPath("web").orElseThrow();
            assertThat(anonymous.getACL().forPath(node))
                    .extracting(a -> a.getId().getScheme()).contains("digest", "world");
            assertThat(anonymous.getACL().forPath(node))
                    .filteredOn(a -> a.getId().getScheme().equals("world"))
                    .extracting(a -> a.getPerms()).containsExactly(ZooDefs.Perms.READ);
            byte[] before = anonymous.getData().forPath(node);
            for (CuratorFramework intruder : new CuratorFramework[] {mallory, anonymous}) {
                assertThatThrownBy(() -> intruder.delete().forPath(node))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> intruder.setData().forPath(node, "{\"host\":\"127.0.0.9\",\"port\":1}".getBytes(UTF_8)))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                assertThatThrownBy(() -> intruder.create().forPath(PATH + "/evil", "{}".getBytes(UTF_8)))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
            assertThat(anonymous.getData().forPath(node)).isEqualTo(before);
            assertThat(synapse.snapshot("web").backends()).containsExactly(seen);
        }
    }

    @Test
    void tls_clientWithoutTheRightCertificate_isRefused() throws Exception {
        Map<String, ZooKeeperSettings> refused = new LinkedHashMap<>();
        refused.put("a client certificate the CA did not sign", tls(TestCertificates.ROGUE).build());
        refused.put("no client certificate", ZooKeeperSettings.builder().connectString("127.0.0.1:" + securePort)
                .retryPolicy(new RetryOneTime(200))
                .tls(ZooKeeperSettings.Tls.trustStore(certs.trustStore(), TestCertificates.PASSWORD)).build());
        Path wrongTrust = Files.copy(certs.keyStore(TestCertificates.ROGUE), dir.resolve("rogue-trust.p12"));
        refused.put("a trust store without the server's CA", ZooKeeperSettings.builder()
                .connectString("127.0.0.1:" + securePort).retryPolicy(new RetryOneTime(200))
                .tls(ZooKeeperSettings.Tls.trustStore(wrongTrust, TestCertificates.PASSWORD)
                        .withKeyStore(certs.keyStore("nerve"), TestCertificates.PASSWORD)).build());
        refused.put("plain text to the secure port", ZooKeeperSettings.builder().connectString("127.0.0.1:" + securePort)
                .retryPolicy(new RetryOneTime(200)).build());
        // All four try at once, each given at least REFUSED_WAIT from its start (one wait, not four in a row).
        Map<String, CuratorFramework> clients = new LinkedHashMap<>();
        try {
            refused.forEach((what, settings) -> {
                CuratorFramework c = settings.newClient();
                clients.put(what, c);
                c.start();
            });
            long deadline = System.nanoTime() + REFUSED_WAIT.toNanos();
            for (Map.Entry<String, CuratorFramework> e : clients.entrySet()) {
                long left = Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime());
                assertThat(e.getValue().blockUntilConnected((int) TimeUnit.NANOSECONDS.toMillis(left), TimeUnit.MILLISECONDS))
                        .as(e.getKey()).isFalse();
            }
        } finally {
            clients.values().forEach(CuratorFramework::close);
        }
        // And the right certificate on the same port does connect, so the refusals mean something.
        connected(tls("nerve").build()).close();
    }
}
