package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.TestingServer;

/**
 * One ZooKeeper server inside this JVM (curator-test's {@link TestingServer}) on a free
 * 127.0.0.1 port, with its data in a temporary directory. {@link #stop()} and {@link #restart()}
 * keep the port and the data, so a test can take ZooKeeper away and bring it back.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start()) {
 *     CuratorFramework client = zk.settings().newClient();
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedZooKeeper implements ZooKeeperFixture {
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private TestingServer server;

    private EmbeddedZooKeeper() {
    }

    /** An unstarted server. */
    public static EmbeddedZooKeeper create() {
        return new EmbeddedZooKeeper();
    }

    @Override
    public EmbeddedZooKeeper start() {
        State.start(state, "EmbeddedZooKeeper");
        try {
            server = new TestingServer(true);
        } catch (Exception e) {
            state.set(State.CLOSED);
            throw new IllegalStateException("embedded ZooKeeper did not start", e);
        }
        return this;
    }

    @Override
    public String connectString() {
        State.requireStarted(state, "EmbeddedZooKeeper");
        return server.getConnectString();
    }

    /** The client port on 127.0.0.1. */
    public int port() {
        State.requireStarted(state, "EmbeddedZooKeeper");
        return server.getPort();
    }

    /** The underlying curator-test server. */
    public TestingServer testingServer() {
        State.requireStarted(state, "EmbeddedZooKeeper");
        return server;
    }

    /** Stops the server; clients lose their connection. The port and the data are kept for {@link #restart()}. */
    public void stop() {
        State.requireStarted(state, "EmbeddedZooKeeper");
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded ZooKeeper did not stop", e);
        }
    }

    /** Starts the server again on the same port with the same data (stopping it first if it runs). */
    public void restart() {
        State.requireStarted(state, "EmbeddedZooKeeper");
        try {
            server.restart();
        } catch (Exception e) {
            throw new IllegalStateException("embedded ZooKeeper did not restart on port " + server.getPort(), e);
        }
    }

    @Override
    public void close() {
        if (State.close(state) && server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded ZooKeeper did not close", e);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeper{" + (state.get() == State.STARTED ? server.getConnectString() : state.get()) + "}";
    }
}
