package dev.smartstack.discovery.nerve;

import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stale-node sweep of one service's {@link RegistrationReconciler}: finds and deletes the
 * nodes under the service's parent path that {@link OwnedNodes} says are ours but that the
 * reconciler no longer names. Runs on the reconciler's thread only.
 */
final class StaleRegistrations {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private final String name;
    private final CuratorFramework client;
    private final String parent;
    private final OwnedNodes ours;
    private final boolean persistent;

    StaleRegistrations(String name, CuratorFramework client, String parent, OwnedNodes ours, boolean persistent) {
        this.name = name;
        this.client = client;
        this.parent = parent;
        this.ours = ours;
        this.persistent = persistent;
    }

    /**
     * Deletes every other node of this service that one of our sessions owns: one left by an
     * expired session that the server has not reaped yet (under any name this service has used), or
     * a duplicate from a create that was retried after its response was lost. With {@code keep}
     * null, every one of them.
     */
    void remove(String keep) throws Exception {
        List<String> children;
        try {
            children = client.getChildren().forPath(parent);
        } catch (KeeperException.NoNodeException e) {
            return; // nothing registered here yet
        }
        for (String child : children) {
            String full = parent.equals("/") ? "/" + child : parent + "/" + child;
            if (full.equals(keep) || !ours.isOurName(full)) {
                continue;
            }
            Stat stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(full);
            } catch (KeeperException.NoNodeException e) {
                continue;
            }
            if (ours.isOurs(full, stat, data)) {
                log.info("nerve '{}' deleting stale registration {} of {}", name, full, persistent ? "an earlier run"
                        : "session 0x" + Long.toHexString(stat.getEphemeralOwner()));
                deleteQuietly(client, full);
            }
        }
    }

    /** Deletes {@code p}; a node that is gone already is no failure. */
    static void deleteQuietly(CuratorFramework client, String p) throws Exception {
        try {
            client.delete().forPath(p);
        } catch (KeeperException.NoNodeException e) {
            // already gone
        }
    }
}
