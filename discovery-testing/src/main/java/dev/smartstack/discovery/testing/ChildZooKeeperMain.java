package dev.smartstack.discovery.testing;

import org.apache.zookeeper.server.quorum.QuorumPeerMain;

/**
 * The main class of a child-JVM ZooKeeper: it halts when the parent JVM goes away (so that no
 * server outlives a killed test run), then runs {@link QuorumPeerMain} on the given config file.
 */
final class ChildZooKeeperMain {
    static final String PARENT_PID = "smartstack.parentPid";

    private ChildZooKeeperMain() {
    }

    public static void main(String[] args) {
        long parent = Long.getLong(PARENT_PID, -1L);
        ProcessHandle.of(parent).ifPresentOrElse(
                handle -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
                () -> Runtime.getRuntime().halt(3));
        QuorumPeerMain.main(args);
    }
}
