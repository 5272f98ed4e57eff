package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.testing.FourLetterWords;
import dev.smartstack.discovery.testing.ZooKeeperContainerEnsemble;
import dev.smartstack.discovery.testing.ZooKeeperProcessEnsemble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * The ZooKeeper the tour runs against: a three-node ensemble of child JVMs (default), of Docker
 * containers, or an external one the tour cannot crash.
 */
abstract class TourZooKeeper implements AutoCloseable {
    static final Duration RESTART_TIMEOUT = Duration.ofSeconds(90);

    abstract String describe();

    abstract String connectString();

    /** Whether the tour can crash and restart the members. */
    abstract boolean controllable();

    abstract int size();

    /** The connect string of member {@code i} alone. */
    abstract String memberConnectString(int i);

    abstract Optional<Integer> leader();

    abstract Optional<String> mode(int i);

    abstract void kill9(int i);

    /** Starts member {@code i} again; returns once it serves (which needs a quorum). */
    abstract void restart(int i);

    /** Restarts the given members at once (each waits for a quorum, so they cannot go one by one). */
    void restartAll(List<Integer> members) {
        List<Thread> threads = new ArrayList<>();
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        IntConsumer restart = i -> {
            try {
                restart(i);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        };
        for (int i : members) {
            Thread t = new Thread(() -> restart.accept(i), "tour-zk-restart-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join(RESTART_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while restarting ZooKeeper", e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    @Override
    public abstract void close();

    static TourZooKeeper embedded() {
        return new Processes(ZooKeeperProcessEnsemble.create(3).start());
    }

    static TourZooKeeper testcontainers() {
        return new Containers(ZooKeeperContainerEnsemble.create(3).start());
    }

    static TourZooKeeper external(String connectString) {
        return new External(connectString);
    }

    private static final class Processes extends TourZooKeeper {
        private final ZooKeeperProcessEnsemble zk;

        Processes(ZooKeeperProcessEnsemble zk) {
            this.zk = zk;
        }

        @Override
        String describe() {
            return "an embedded ensemble of 3 ZooKeeper servers, each in its own JVM (" + zk.connectString() + ")";
        }

        @Override
        String connectString() {
            return zk.connectString();
        }

        @Override
        boolean controllable() {
            return true;
        }

        @Override
        int size() {
            return zk.size();
        }

        @Override
        String memberConnectString(int i) {
            return "127.0.0.1:" + zk.port(i);
        }

        @Override
        Optional<Integer> leader() {
            return zk.leader();
        }

        @Override
        Optional<String> mode(int i) {
            return zk.mode(i);
        }

        @Override
        void kill9(int i) {
            zk.kill9(i);
        }

        @Override
        void restart(int i) {
            zk.restart(i);
        }

        @Override
        public void close() {
            zk.close();
        }
    }

    private static final class Containers extends TourZooKeeper {
        private final ZooKeeperContainerEnsemble zk;

        Containers(ZooKeeperContainerEnsemble zk) {
            this.zk = zk;
        }

        @Override
        String describe() {
            return "a Testcontainers ensemble of 3 ZooKeeper containers (" + zk.connectString() + ")";
        }

        @Override
        String connectString() {
            return zk.connectString();
        }

        @Override
        boolean controllable() {
            return true;
        }

        @Override
        int size() {
            return zk.size();
        }

        @Override
        String memberConnectString(int i) {
            return zk.member(i).connectString();
        }

        @Override
        Optional<Integer> leader() {
            return zk.leader();
        }

        @Override
        Optional<String> mode(int i) {
            return zk.mode(i);
        }

        @Override
        void kill9(int i) {
            zk.kill(i);
        }

        @Override
        void restart(int i) {
            zk.start(i);
        }

        @Override
        public void close() {
            zk.close();
        }
    }

    private static final class External extends TourZooKeeper {
        private final String connectString;

        External(String connectString) {
            this.connectString = connectString;
        }

        @Override
        String describe() {
            return "the external ZooKeeper at " + connectString + " (steps that crash ZooKeeper are skipped)";
        }

        @Override
        String connectString() {
            return connectString;
        }

        @Override
        boolean controllable() {
            return false;
        }

        @Override
        int size() {
            return connectString.split(",").length;
        }

        @Override
        String memberConnectString(int i) {
            return connectString.split(",")[i].strip();
        }

        @Override
        Optional<Integer> leader() {
            return Optional.empty();
        }

        @Override
        Optional<String> mode(int i) {
            String member = memberConnectString(i);
            int colon = member.lastIndexOf(':');
            return colon < 0 ? Optional.empty() : FourLetterWords.mode(Integer.parseInt(member.substring(colon + 1)));
        }

        @Override
        void kill9(int i) {
            throw new UnsupportedOperationException("the tour does not control " + connectString);
        }

        @Override
        void restart(int i) {
            throw new UnsupportedOperationException("the tour does not control " + connectString);
        }

        @Override
        public void close() {
        }
    }
}
