package dev.smartstack.discovery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;

/**
 * An ensemble of ZooKeeper servers inside this JVM (curator-test's {@link TestingCluster}) on
 * 127.0.0.1. Members are numbered from 0; {@link #stop(int)} and {@link #restart(int)} take one
 * member away and bring it back with its data.
 */
public final class EmbeddedZooKeeperEnsemble implements ZooKeeperFixture {
    private static final Duration QUORUM_TIMEOUT = Duration.ofSeconds(60);

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final int size;
    private TestingCluster cluster;

    private EmbeddedZooKeeperEnsemble(int size) {
        this.size = size;
    }

    /**
     * An unstarted ensemble of {@code size} members.
     *
     * @throws IllegalArgumentException when {@code size} is not in [1, 9]
     */
    public static EmbeddedZooKeeperEnsemble create(int size) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("size must be in [1, 9] but was " + size);
        }
        return new EmbeddedZooKeeperEnsemble(size);
    }

    /** Starts every member and waits until every member serves and one is leader. */
    @Override
    public EmbeddedZooKeeperEnsemble start() {
        State.start(state, "EmbeddedZooKeeperEnsemble");
        try {
            cluster = new TestingCluster(size);
            cluster.start();
        } catch (Exception e) {
            state.set(State.CLOSED);
            closeQuietly();
            throw new IllegalStateException("embedded ZooKeeper ensemble did not start", e);
        }
        for (int i = 0; i < size; i++) {
            if (!FourLetterWords.awaitServing(port(i), QUORUM_TIMEOUT, () -> true)) {
                throw new IllegalStateException("embedded ensemble member " + i + " did not serve within " + QUORUM_TIMEOUT);
            }
        }
        awaitLeader(QUORUM_TIMEOUT);
        return this;
    }

    /** Waits until exactly one member reports itself leader. */
    public void awaitLeader(Duration timeout) {
        Leaders.await(this::leader, timeout, 100, () -> "embedded ensemble " + cluster.getConnectString());
    }

    @Override
    public String connectString() {
        State.requireStarted(state, "EmbeddedZooKeeperEnsemble");
        return cluster.getConnectString();
    }

    public int size() {
        return size;
    }

    /** The client port of member {@code i}. */
    public int port(int i) {
        return spec(i).getPort();
    }

    /** The mode of member {@code i} ({@code leader}, {@code follower}), empty when it does not serve. */
    public Optional<String> mode(int i) {
        return FourLetterWords.mode(port(i));
    }

    /** The index of the member that is leader, if exactly one is. */
    public Optional<Integer> leader() {
        return Leaders.find(size, this::mode);
    }

    /** Stops member {@code i}; its data is kept for {@link #restart(int)}. */
    public void stop(int i) {
        try {
            cluster.killServer(spec(i));
        } catch (Exception e) {
            throw new IllegalStateException("could not stop member " + i, e);
        }
    }

    /** Starts member {@code i} again on its ports with its data. */
    public void restart(int i) {
        try {
            cluster.restartServer(spec(i));
        } catch (Exception e) {
            throw new IllegalStateException("could not restart member " + i, e);
        }
    }

    /** The underlying curator-test cluster. */
    public TestingCluster testingCluster() {
        State.requireStarted(state, "EmbeddedZooKeeperEnsemble");
        return cluster;
    }

    private InstanceSpec spec(int i) {
        State.requireStarted(state, "EmbeddedZooKeeperEnsemble");
        List<TestingZooKeeperServer> servers = cluster.getServers();
        if (i < 0 || i >= servers.size()) {
            throw new IndexOutOfBoundsException("member must be in [0, " + servers.size() + ") but was " + i);
        }
        return servers.get(i).getInstanceSpec();
    }

    @Override
    public void close() {
        if (State.close(state)) {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded ensemble did not close", e);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeperEnsemble{" + (state.get() == State.STARTED ? cluster.getConnectString() : state.get()) + "}";
    }
}
