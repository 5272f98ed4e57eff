/**
 * Real ZooKeeper (and a real DNS server) for tests: users' tests of code built on SmartStack for the JVM, and this
 * project's own.
 *
 * <ul>
 *   <li>{@link dev.smartstack.discovery.testing.EmbeddedZooKeeper} and
 *       {@link dev.smartstack.discovery.testing.EmbeddedZooKeeperEnsemble}: servers inside the test
 *       JVM (curator-test), quick to start; stop and restart keep the data.</li>
 *   <li>{@link dev.smartstack.discovery.testing.ZooKeeperProcess} and
 *       {@link dev.smartstack.discovery.testing.ZooKeeperProcessEnsemble}: servers in child JVMs that
 *       can be killed with SIGKILL and started again on the same port with the same data.</li>
 *   <li>{@link dev.smartstack.discovery.testing.ZooKeeperContainer} and
 *       {@link dev.smartstack.discovery.testing.ZooKeeperContainerEnsemble}: the official
 *       {@code zookeeper} image through Testcontainers (optional dependency), with
 *       {@code docker kill}, {@code pause} and {@code start} for chaos tests.</li>
 *   <li>{@link dev.smartstack.discovery.testing.ZooKeeperSessions#expire} makes the server expire a
 *       client's session.</li>
 *   <li>{@link dev.smartstack.discovery.testing.Dnsmasq}: a real DNS server (Debian's {@code dnsmasq})
 *       answering from a hosts file the test rewrites, for the {@code dns} discovery method.</li>
 *   <li>{@link dev.smartstack.discovery.testing.TestCertificates}: a CA, server and client
 *       certificates made once per JVM, and the {@code zoo.cfg} entries of a server with a TLS
 *       {@code secureClientPort} for {@link dev.smartstack.discovery.testing.ZooKeeperProcess}.</li>
 * </ul>
 *
 * <p>Every fixture is {@link java.lang.AutoCloseable} and listens on 127.0.0.1. With JUnit 5:
 *
 * <pre>{@code
 * class RegistrationTest {
 *     @RegisterExtension
 *     static ZooKeeperExtension<EmbeddedZooKeeper> zk = ZooKeeperExtension.embedded();
 *
 *     @Test
 *     void register_instance_isVisible() throws Exception {
 *         zk.client().create().creatingParentsIfNeeded().forPath("/services/web/node1_", data);
 *         zk.fixture().stop();      // ZooKeeper goes away...
 *         zk.fixture().restart();   // ...and comes back with its data
 *     }
 * }
 * }</pre>
 *
 * <p>Docker tests: {@code ZooKeeperExtension.testcontainers()} skips when Docker is absent, and
 * fails instead when the system property {@code smartstack.requireDocker} is {@code true}. Set
 * {@code TESTCONTAINERS_RYUK_DISABLED=true} where the Ryuk image cannot be pulled; the fixtures
 * remove their containers on close.
 */
package dev.smartstack.discovery.testing;
