package dev.smartstack.discovery.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * An ensemble of ZooKeeper containers on the host's network: member {@code i} (ZooKeeper id
 * {@code i + 1}) has its own client, quorum and election ports on 127.0.0.1. For chaos tests,
 * {@link #kill(int)} is {@code docker kill} (SIGKILL), {@link #pause(int)} is {@code docker pause}
 * (a frozen node, as SIGSTOP) and {@link #start(int)} brings a killed member back with its data.
 *
 * <pre>{@code
 * try (ZooKeeperContainerEnsemble zk = ZooKeeperContainerEnsemble.create(3).start()) {
 *     zk.kill(zk.leader().orElseThrow());
 *     zk.awaitLeader(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class ZooKeeperContainerEnsemble implements ZooKeeperFixture {
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<ZooKeeperContainer> members = new ArrayList<>();

    private ZooKeeperContainerEnsemble(String image, int size) {
        int[] ports = Ports.freePorts(size * 3);
        String servers = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> "server." + (i + 1) + "=127.0.0.1:" + ports[size + i] + ":" + ports[2 * size + i])
                .collect(Collectors.joining(" "));
        for (int i = 0; i < size; i++) {
            members.add(new ZooKeeperContainer(image, ports[i], Map.of(
                    "ZOO_MY_ID", Integer.toString(i + 1),
                    "ZOO_SERVERS", servers,
                    "ZOO_STANDALONE_ENABLED", "false")));
        }
    }

    /** An unstarted ensemble of {@code size} members of {@value ZooKeeperContainer#DEFAULT_IMAGE}. */
    public static ZooKeeperContainerEnsemble create(int size) {
        return create(ZooKeeperContainer.DEFAULT_IMAGE, size);
    }

    /**
     * An unstarted ensemble of {@code size} members of {@code image}.
     *
     * @throws IllegalArgumentException when {@code size} is not in [1, 9]
     */
    public static ZooKeeperContainerEnsemble create(String image, int size) {
        Objects.requireNonNull(image, "image == null");
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("size must be in [1, 9] but was " + size);
        }
        return new ZooKeeperContainerEnsemble(image, size);
    }

    /** Starts every member and waits until every member serves and one is leader. */
    @Override
    public ZooKeeperContainerEnsemble start() {
        State.start(state, "ZooKeeperContainerEnsemble");
        try {
            members.forEach(ZooKeeperContainer::start);
            for (ZooKeeperContainer member : members) {
                if (!FourLetterWords.awaitServing(member.port(), ZooKeeperContainer.START_TIMEOUT, member::isRunning)) {
                    throw new IllegalStateException("ensemble member on port " + member.port() + " did not serve within "
                            + ZooKeeperContainer.START_TIMEOUT + ":\n" + member.logs());
                }
            }
            awaitLeader(ZooKeeperContainer.START_TIMEOUT);
        } catch (RuntimeException e) {
            members.forEach(ZooKeeperContainer::close);
            state.set(State.CLOSED);
            throw e;
        }
        return this;
    }

    @Override
    public String connectString() {
        return members.stream().map(ZooKeeperContainer::connectString).collect(Collectors.joining(","));
    }

    public int size() {
        return members.size();
    }

    /** Member {@code i}. */
    public ZooKeeperContainer member(int i) {
        if (i < 0 || i >= members.size()) {
            throw new IndexOutOfBoundsException("member must be in [0, " + members.size() + ") but was " + i);
        }
        return members.get(i);
    }

    /** The mode of member {@code i}; empty when it does not serve. */
    public Optional<String> mode(int i) {
        return member(i).mode();
    }

    /** The index of the member that is leader, if exactly one is. */
    public Optional<Integer> leader() {
        return Leaders.find(members.size(), this::mode);
    }

    /** Waits until exactly one member is leader. */
    public void awaitLeader(Duration timeout) {
        Leaders.await(this::leader, timeout, 200, () -> "ensemble " + connectString());
    }

    /** {@code docker kill} of member {@code i}. */
    public void kill(int i) {
        member(i).kill();
    }

    /** {@code docker pause} of member {@code i}. */
    public void pause(int i) {
        member(i).pause();
    }

    /** {@code docker unpause} of member {@code i}. */
    public void unpause(int i) {
        member(i).unpause();
    }

    /** {@code docker start} of member {@code i} after {@link #kill(int)}; waits until it serves again. */
    public void start(int i) {
        member(i).restart(true);
    }

    @Override
    public void close() {
        if (State.close(state)) {
            RuntimeException first = null;
            for (ZooKeeperContainer member : members) {
                try {
                    member.close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperContainerEnsemble{" + connectString() + ", " + state.get() + "}";
    }
}
