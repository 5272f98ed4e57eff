package dev.smartstack.discovery.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * An ensemble of ZooKeeper servers, each in its own child JVM on 127.0.0.1 with its own client,
 * quorum and election ports and data directory. Members are numbered from 0 (their ZooKeeper ids
 * are 1 to n). {@link #kill9(int)} crashes one member with SIGKILL; {@link #restart(int)} brings
 * it back with its data.
 *
 * <pre>{@code
 * try (ZooKeeperProcessEnsemble zk = ZooKeeperProcessEnsemble.create(3).start()) {
 *     zk.kill9(zk.leader().orElseThrow());   // one ZooKeeper node of three crashes
 *     zk.awaitLeader(Duration.ofSeconds(60)); // the other two elect a leader and carry on
 * }
 * }</pre>
 */
public final class ZooKeeperProcessEnsemble implements ZooKeeperFixture {
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Path dir;
    private final List<ChildNode> nodes = new ArrayList<>();

    private ZooKeeperProcessEnsemble(int size, Duration tickTime, List<String> jvmOptions) {
        int[] ports = Ports.freePorts(size * 3);
        StringBuilder servers = new StringBuilder("standaloneEnabled=false\n");
        for (int i = 0; i < size; i++) {
            servers.append("server.").append(i + 1).append("=127.0.0.1:").append(ports[size + i]).append(':')
                    .append(ports[2 * size + i]).append('\n');
        }
        this.dir = ChildNode.tempDir("smartstack-zk-ensemble-");
        for (int i = 0; i < size; i++) {
            ChildNode node = new ChildNode(dir.resolve("zk" + (i + 1)), ports[i],
                    ChildNode.commonConfig(ports[i], tickTime) + servers, jvmOptions);
            node.writeMyId(i + 1);
            nodes.add(node);
        }
    }

    /**
     * An unstarted ensemble of {@code size} members with a 1 s tick.
     *
     * @throws IllegalArgumentException when {@code size} is not in [1, 9]
     */
    public static ZooKeeperProcessEnsemble create(int size) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("size must be in [1, 9] but was " + size);
        }
        return new ZooKeeperProcessEnsemble(size, Duration.ofSeconds(1), ChildNode.DEFAULT_JVM_OPTIONS);
    }

    /** Launches every member and waits until all serve and one is leader. */
    @Override
    public ZooKeeperProcessEnsemble start() {
        State.start(state, "ZooKeeperProcessEnsemble");
        nodes.forEach(ChildNode::launch);
        nodes.forEach(n -> n.awaitServing(ZooKeeperProcess.START_TIMEOUT));
        awaitLeader(ZooKeeperProcess.START_TIMEOUT);
        return this;
    }

    @Override
    public String connectString() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.clientPort()).collect(Collectors.joining(","));
    }

    public int size() {
        return nodes.size();
    }

    /** The client port of member {@code i}. */
    public int port(int i) {
        return node(i).clientPort();
    }

    /** The log file of member {@code i}. */
    public Path logFile(int i) {
        return node(i).logFile();
    }

    /**
     * The process id of member {@code i}'s JVM, for signals a test sends itself ({@code kill -STOP}
     * to freeze it past the session timeout, {@code kill -CONT} to thaw it).
     *
     * @throws IllegalStateException when the member was never launched
     */
    public long pid(int i) {
        return node(i).pid();
    }

    public boolean isRunning(int i) {
        return node(i).isAlive();
    }

    /** The mode of member {@code i} ({@code leader} or {@code follower}); empty when it does not serve. */
    public Optional<String> mode(int i) {
        return FourLetterWords.mode(node(i).clientPort());
    }

    /** The index of the member that is leader, if exactly one is. */
    public Optional<Integer> leader() {
        return Leaders.find(nodes.size(), this::mode);
    }

    /** Waits until exactly one member is leader. */
    public void awaitLeader(Duration timeout) {
        Leaders.await(this::leader, timeout, 100, () -> "ensemble " + connectString());
    }

    /** SIGKILL to member {@code i}. Returns when its process is gone. */
    public void kill9(int i) {
        State.requireStarted(state, "ZooKeeperProcessEnsemble");
        node(i).kill9();
    }

    /** Starts member {@code i} again with its data (stopping it first if it runs) and waits until it serves. */
    public void restart(int i) {
        State.requireStarted(state, "ZooKeeperProcessEnsemble");
        ChildNode node = node(i);
        node.stop();
        node.launch();
        node.awaitServing(ZooKeeperProcess.START_TIMEOUT);
    }

    private ChildNode node(int i) {
        if (i < 0 || i >= nodes.size()) {
            throw new IndexOutOfBoundsException("member must be in [0, " + nodes.size() + ") but was " + i);
        }
        return nodes.get(i);
    }

    @Override
    public void close() {
        if (State.close(state)) {
            nodes.forEach(ChildNode::kill9);
            ChildNode.deleteRecursively(dir);
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperProcessEnsemble{" + connectString() + ", " + state.get() + "}";
    }
}
