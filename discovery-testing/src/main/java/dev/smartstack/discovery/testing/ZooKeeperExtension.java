package dev.smartstack.discovery.testing;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * A JUnit 5 extension that starts a {@link ZooKeeperFixture} and closes it. Registered on a
 * {@code static} field, one fixture serves the whole class; on an instance field, each test gets
 * its own.
 *
 * <pre>{@code
 * @RegisterExtension
 * static ZooKeeperExtension<EmbeddedZooKeeper> zk = ZooKeeperExtension.embedded();
 *
 * @Test
 * void something() {
 *     CuratorFramework client = zk.client();   // started, closed after the class
 *     ...
 * }
 * }</pre>
 *
 * <p>The Docker variants ({@link #testcontainers()}, {@link #testcontainersEnsemble(int)}) skip
 * the tests when Docker is absent, or fail them when {@value DockerSupport#REQUIRE_DOCKER} is
 * {@code true} (see {@link DockerSupport}). They need Testcontainers on the test class path.
 *
 * @param <F> the fixture type
 */
public final class ZooKeeperExtension<F extends ZooKeeperFixture>
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Supplier<F> factory;
    private F fixture;
    private CuratorFramework client;
    private boolean perClass;
    /** Why the fixture cannot run here (Docker absent): each test is then reported skipped. */
    private TestAbortedException unavailable;

    private ZooKeeperExtension(Supplier<F> factory) {
        this.factory = factory;
    }

    /** Any fixture: {@code factory} makes an unstarted one when the class or test starts. */
    public static <F extends ZooKeeperFixture> ZooKeeperExtension<F> of(Supplier<F> factory) {
        return new ZooKeeperExtension<>(Objects.requireNonNull(factory, "factory == null"));
    }

    /** An {@link EmbeddedZooKeeper}. */
    public static ZooKeeperExtension<EmbeddedZooKeeper> embedded() {
        return of(EmbeddedZooKeeper::create);
    }

    /** An {@link EmbeddedZooKeeperEnsemble} of {@code size} members. */
    public static ZooKeeperExtension<EmbeddedZooKeeperEnsemble> embeddedEnsemble(int size) {
        return of(() -> EmbeddedZooKeeperEnsemble.create(size));
    }

    /** A {@link ZooKeeperProcess}: a server in a child JVM, for kill -9 tests. */
    public static ZooKeeperExtension<ZooKeeperProcess> childProcess() {
        return of(ZooKeeperProcess::create);
    }

    /** A {@link ZooKeeperProcessEnsemble} of {@code size} child JVMs. */
    public static ZooKeeperExtension<ZooKeeperProcessEnsemble> childProcessEnsemble(int size) {
        return of(() -> ZooKeeperProcessEnsemble.create(size));
    }

    /** A {@link ZooKeeperContainer} of {@value ZooKeeperContainer#DEFAULT_IMAGE}. */
    public static ZooKeeperExtension<ZooKeeperContainer> testcontainers() {
        return testcontainers(ZooKeeperContainer.DEFAULT_IMAGE);
    }

    /** A {@link ZooKeeperContainer} of {@code image}. */
    public static ZooKeeperExtension<ZooKeeperContainer> testcontainers(String image) {
        Objects.requireNonNull(image, "image == null");
        return of(() -> {
            DockerSupport.assumeAvailable();
            return ZooKeeperContainer.create(image);
        });
    }

    /** A {@link ZooKeeperContainerEnsemble} of {@code size} members. */
    public static ZooKeeperExtension<ZooKeeperContainerEnsemble> testcontainersEnsemble(int size) {
        return of(() -> {
            DockerSupport.assumeAvailable();
            return ZooKeeperContainerEnsemble.create(size);
        });
    }

    /** The started fixture. */
    public F fixture() {
        if (fixture == null) {
            throw new IllegalStateException("the ZooKeeper fixture is not started: register the extension with @RegisterExtension");
        }
        return fixture;
    }

    /** The fixture's connect string. */
    public String connectString() {
        return fixture().connectString();
    }

    /** The fixture's client settings (4 s sessions). */
    public ZooKeeperSettings settings() {
        return fixture().settings();
    }

    /**
     * A connected client of the fixture, made on first use and closed with the fixture. Tests that
     * expire sessions or need their own connection should make their own with {@link #settings()}.
     */
    public synchronized CuratorFramework client() {
        if (client == null) {
            CuratorFramework c = settings().newClient();
            c.start();
            try {
                if (!c.blockUntilConnected(60, TimeUnit.SECONDS)) {
                    c.close();
                    throw new IllegalStateException("could not connect to " + connectString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.close();
                throw new IllegalStateException("interrupted", e);
            }
            client = c;
        }
        return client;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        try {
            startFixture();
        } catch (TestAbortedException e) {
            // Aborting here would hide the tests from surefire's counts; abort each one instead.
            unavailable = e;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (unavailable != null) {
            throw unavailable;
        }
        if (fixture == null) {
            startFixture();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stopFixture();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopFixture();
    }

    private void startFixture() {
        F f = factory.get();
        try {
            f.start();
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        fixture = f;
    }

    private synchronized void stopFixture() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            F f = fixture;
            fixture = null;
            if (f != null) {
                f.close();
            }
        }
    }
}
