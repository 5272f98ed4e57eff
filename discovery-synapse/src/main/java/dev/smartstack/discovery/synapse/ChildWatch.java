package dev.smartstack.discovery.synapse;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooKeeper;

/**
 * How a {@link ServiceWatch} learns about its children from ZooKeeper: it reports every child's
 * data and every child that is gone to the service watch, on the ZooKeeper event thread, and runs
 * the resyncs the service watch asks for.
 */
interface ChildWatch {
    /** Arms the watch and starts the first sync. */
    void start();

    /** The connection is back (the same session or a new one). */
    void reconnected();

    /** Stops watching; later events and answers are ignored. Idempotent. */
    void close();

    /**
     * The client's current ZooKeeper handle, for the reads Curator has no builder for (multi-reads)
     * or that must cost exactly one request. Curator hands an exception queued by its connection
     * handling to the next caller, whoever that is; a second try gets the handle, so that a read
     * is not dropped for someone else's exception.
     */
    static ZooKeeper zooKeeper(CuratorFramework client) throws Exception {
        try {
            return client.getZookeeperClient().getZooKeeper();
        } catch (Exception queued) {
            return client.getZookeeperClient().getZooKeeper();
        }
    }
}
