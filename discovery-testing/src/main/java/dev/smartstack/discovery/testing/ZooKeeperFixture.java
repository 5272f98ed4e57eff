package dev.smartstack.discovery.testing;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Duration;

/**
 * A real ZooKeeper (one server or an ensemble) that a test starts, uses and closes. Every fixture
 * listens on 127.0.0.1 only as far as clients are concerned: {@link #connectString()} names
 * 127.0.0.1 ports.
 *
 * <p>Life cycle: build with the class's static factory, {@code start()} once (it returns the
 * fixture; a second call throws {@link IllegalStateException}), {@link #close()} when done
 * (harmless to call twice). Failures to start are unchecked: {@link IllegalStateException}.
 */
public interface ZooKeeperFixture extends AutoCloseable {

    /** Starts the server or servers and waits until they serve clients. Returns this fixture. */
    ZooKeeperFixture start();

    /** The connect string, {@code 127.0.0.1:port[,127.0.0.1:port...]}. Valid once started. */
    String connectString();

    /**
     * Settings for a client of this fixture: its connect string and a 4-second session timeout,
     * short enough that tests which wait on a session expiry stay quick.
     */
    default ZooKeeperSettings settings() {
        return ZooKeeperSettings.builder().connectString(connectString()).sessionTimeout(Duration.ofSeconds(4)).build();
    }

    /** Stops everything and deletes the fixture's data. Calling it twice is harmless. */
    @Override
    void close();
}
