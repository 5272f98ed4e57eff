package dev.smartstack.discovery.testing;

import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One ZooKeeper server in a child JVM, started with {@link ProcessBuilder} from the current
 * {@code java} and class path, on a free 127.0.0.1 port, with its data in a temporary directory.
 * Unlike the embedded server it can really crash: {@link #kill9()} sends SIGKILL, and
 * {@link #restart()} starts a new JVM on the same port with the same data.
 *
 * <p>The server's tick is 1 s by default, so it grants session timeouts from 2 s to 20 s. Its output
 * goes to {@code zookeeper.log} in its directory. The child halts by itself if this JVM exits.
 *
 * <pre>{@code
 * try (ZooKeeperProcess zk = ZooKeeperProcess.create().start()) {
 *     ...
 *     zk.kill9();     // the server is gone, as after a crash
 *     zk.restart();   // back on the same port, with its data
 * }
 * }</pre>
 */
public final class ZooKeeperProcess implements ZooKeeperFixture {
    /** How long {@link #start()} and {@link #restart()} wait for the server to serve. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Path dir;
    private final ChildNode node;

    private ZooKeeperProcess(Duration tickTime, List<String> jvmOptions, Map<String, String> extraConfig) {
        int port = Ports.freePort();
        this.dir = ChildNode.tempDir("smartstack-zk-");
        StringBuilder config = new StringBuilder(ChildNode.commonConfig(port, tickTime));
        extraConfig.forEach((k, v) -> config.append(k).append('=').append(v).append('\n'));
        this.node = new ChildNode(dir, port, config.toString(), jvmOptions);
    }

    /** An unstarted server with a 1 s tick and a small heap. */
    public static ZooKeeperProcess create() {
        return new ZooKeeperProcess(Duration.ofSeconds(1), ChildNode.DEFAULT_JVM_OPTIONS, Map.of());
    }

    /**
     * An unstarted server with a 1 s tick and these lines added to its {@code zoo.cfg}, such as
     * {@code secureClientPort}, {@code serverCnxnFactory} and the {@code ssl.*} settings of a TLS
     * server. The plain client port stays open, on 127.0.0.1, for the readiness probe.
     *
     * @throws IllegalArgumentException when a key or value holds a line break or a key is blank
     */
    public static ZooKeeperProcess withConfig(Map<String, String> extraConfig) {
        Objects.requireNonNull(extraConfig, "extraConfig == null");
        extraConfig.forEach((k, v) -> {
            if (k == null || k.isBlank() || v == null || k.matches("(?s).*[\\r\\n=].*") || v.matches("(?s).*[\\r\\n].*")) {
                throw new IllegalArgumentException("zoo.cfg entries must be one key=value line each but got "
                        + Validation.quote(k) + "=" + Validation.quote(v));
            }
        });
        return new ZooKeeperProcess(Duration.ofSeconds(1), ChildNode.DEFAULT_JVM_OPTIONS, new LinkedHashMap<>(extraConfig));
    }

    /**
     * An unstarted server with the given tick (sessions from 2 to 20 ticks) and JVM options.
     *
     * @throws IllegalArgumentException when {@code tickTime} is not in [100 ms, 10 s]
     */
    public static ZooKeeperProcess create(Duration tickTime, List<String> jvmOptions) {
        Objects.requireNonNull(tickTime, "tickTime == null");
        Objects.requireNonNull(jvmOptions, "jvmOptions == null");
        if (tickTime.toMillis() < 100 || tickTime.toMillis() > 10_000) {
            throw new IllegalArgumentException("tickTime must be in [PT0.1S, PT10S] but was " + tickTime);
        }
        return new ZooKeeperProcess(tickTime, jvmOptions, Map.of());
    }

    /** Launches the child JVM and waits until it serves. */
    @Override
    public ZooKeeperProcess start() {
        State.start(state, "ZooKeeperProcess");
        node.launch();
        node.awaitServing(START_TIMEOUT);
        return this;
    }

    @Override
    public String connectString() {
        return "127.0.0.1:" + node.clientPort();
    }

    public int port() {
        return node.clientPort();
    }

    /** The data directory, kept across {@link #kill9()} and {@link #restart()}. */
    public Path dataDir() {
        return node.dataDir();
    }

    /** The file the child JVM writes its output to. */
    public Path logFile() {
        return node.logFile();
    }

    /** The child JVM's process id (of the last launch). */
    public long pid() {
        return node.pid();
    }

    public boolean isRunning() {
        return node.isAlive();
    }

    /** The server's mode ({@code standalone}), empty when it does not serve. */
    public Optional<String> mode() {
        return FourLetterWords.mode(node.clientPort());
    }

    /** SIGKILL: the server dies at once, as in a crash. Returns when the process is gone. */
    public void kill9() {
        State.requireStarted(state, "ZooKeeperProcess");
        node.kill9();
    }

    /** SIGTERM: a clean shutdown. Returns when the process is gone. */
    public void stop() {
        State.requireStarted(state, "ZooKeeperProcess");
        node.stop();
    }

    /**
     * Starts the server again on the same port with the same data, and waits until it serves. If it
     * is running, it is stopped first.
     */
    public void restart() {
        State.requireStarted(state, "ZooKeeperProcess");
        node.stop();
        node.launch();
        node.awaitServing(START_TIMEOUT);
    }

    @Override
    public void close() {
        if (State.close(state)) {
            node.kill9();
            ChildNode.deleteRecursively(dir);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperProcess{" + connectString() + ", " + state.get() + "}";
    }
}
