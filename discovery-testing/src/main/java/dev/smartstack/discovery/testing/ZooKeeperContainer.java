package dev.smartstack.discovery.testing;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * ZooKeeper in a Docker container, through Testcontainers (an optional dependency of this module:
 * add {@code org.testcontainers:testcontainers} to your test class path to use it).
 *
 * <p>The container uses the host's network and a free client port, passed as {@code ZOO_PORT};
 * clients reach it on 127.0.0.1. It is ready when it logs {@code binding to port}. The image is
 * the official {@code zookeeper} image, tag {@value #DEFAULT_IMAGE} by default; any image with
 * the official image's entrypoint variables works.
 *
 * <p>With Ryuk disabled ({@code TESTCONTAINERS_RYUK_DISABLED=true}), close the container yourself
 * (try-with-resources or {@link ZooKeeperExtension}).
 */
public final class ZooKeeperContainer implements ZooKeeperFixture {
    /** The default image. */
    public static final String DEFAULT_IMAGE = "zookeeper:3.9.5";
    /** How long to wait for the container to start serving. */
    public static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Container container;
    private final int clientPort;
    private final boolean standalone;

    ZooKeeperContainer(String image, int clientPort, Map<String, String> environment) {
        this.clientPort = clientPort;
        this.standalone = !environment.containsKey("ZOO_SERVERS");
        this.container = new Container(DockerImageName.parse(Objects.requireNonNull(image, "image == null")));
        container.withNetworkMode("host")
                .withEnv("ZOO_PORT", Integer.toString(clientPort))
                .withEnv("ZOO_ADMINSERVER_ENABLED", "false")
                .withEnv("ZOO_4LW_COMMANDS_WHITELIST", "srvr,ruok,mntr,stat")
                .withEnv("ZOO_TICK_TIME", "1000")
                .withEnv("JVMFLAGS", "-Xmx128m")
                .withEnv(environment)
                .waitingFor(Wait.forLogMessage(".*binding to port.*", 1).withStartupTimeout(START_TIMEOUT));
    }

    /** An unstarted container of {@value #DEFAULT_IMAGE}. */
    public static ZooKeeperContainer create() {
        return create(DEFAULT_IMAGE);
    }

    /** An unstarted container of {@code image}, e.g. {@code "zookeeper:3.8"}. */
    public static ZooKeeperContainer create(String image) {
        return new ZooKeeperContainer(image, Ports.freePort(), Map.of());
    }

    /**
     * Starts the container and waits until ZooKeeper logs {@code binding to port}; a standalone
     * server also until it answers {@code srvr} (ZooKeeper binds its port a moment before it serves).
     */
    @Override
    public ZooKeeperContainer start() {
        State.start(state, "ZooKeeperContainer");
        try {
            container.start();
            if (standalone && !FourLetterWords.awaitServing(clientPort, START_TIMEOUT, container::isRunning)) {
                throw new IllegalStateException("ZooKeeper did not serve within " + START_TIMEOUT + ":\n"
                        + container.getLogs());
            }
        } catch (RuntimeException e) {
            state.set(State.CLOSED);
            container.stop();
            throw new IllegalStateException("ZooKeeper container " + container.getDockerImageName()
                    + " did not start on port " + clientPort, e);
        }
        return this;
    }

    @Override
    public String connectString() {
        return "127.0.0.1:" + clientPort;
    }

    public int port() {
        return clientPort;
    }

    /** The server's mode ({@code standalone}, {@code leader}, {@code follower}); empty when it does not serve. */
    public Optional<String> mode() {
        return FourLetterWords.mode(clientPort);
    }

    /** {@code docker kill}: SIGKILL to ZooKeeper. The container and its data stay for {@link #restart()}. */
    public void kill() {
        State.requireStarted(state, "ZooKeeperContainer");
        container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
    }

    /** {@code docker pause}: freezes ZooKeeper, as SIGSTOP does. */
    public void pause() {
        State.requireStarted(state, "ZooKeeperContainer");
        container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
    }

    /** {@code docker unpause}. */
    public void unpause() {
        State.requireStarted(state, "ZooKeeperContainer");
        container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
    }

    /** Whether the container's process runs (it may be paused). */
    public boolean isRunning() {
        return state.get() == State.STARTED && Boolean.TRUE.equals(container.getDockerClient()
                .inspectContainerCmd(container.getContainerId()).exec().getState().getRunning());
    }

    /**
     * {@code docker start} of the same container after {@link #kill()}: ZooKeeper comes back on the
     * same port with its data. With {@code awaitServing}, waits until it answers {@code srvr}
     * (a member of an ensemble serves only once it has a quorum).
     */
    public void restart(boolean awaitServing) {
        State.requireStarted(state, "ZooKeeperContainer");
        if (!isRunning()) {
            container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
        }
        if (awaitServing && !FourLetterWords.awaitServing(clientPort, START_TIMEOUT, this::isRunning)) {
            throw new IllegalStateException("ZooKeeper container on port " + clientPort + " did not serve within "
                    + START_TIMEOUT + ":\n" + container.getLogs());
        }
    }

    /** As {@link #restart(boolean) restart(true)}. */
    public void restart() {
        restart(true);
    }

    /** The container's logs so far. */
    public String logs() {
        return container.getLogs();
    }

    /** The Testcontainers container, for anything this class does not cover. */
    public GenericContainer<?> container() {
        return container;
    }

    @Override
    public void close() {
        if (State.close(state)) {
            container.stop();
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperContainer{" + container.getDockerImageName() + " " + connectString() + ", " + state.get() + "}";
    }

    /** Only to give GenericContainer its self type. */
    static final class Container extends GenericContainer<Container> {
        Container(DockerImageName image) {
            super(image);
        }
    }
}
