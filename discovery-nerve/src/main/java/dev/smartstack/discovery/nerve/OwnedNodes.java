package dev.smartstack.discovery.nerve;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.data.Stat;

/**
 * Which znodes under a service's {@code zk_path} belong to this service, so that the
 * {@link RegistrationReconciler} deletes its own stale nodes and never another's. An ephemeral
 * node is ours when one of our sessions owns it. A persistent node has no owning session: under
 * our plain name it is ours (Ruby Nerve takes it over), under one of our sequential names only
 * when it holds data that this service has written.
 */
final class OwnedNodes {
    private final NerveService.NodeType type;
    /** Sessions that this service has registered with: their nodes are ours to delete. */
    private final Set<Long> sessions = ConcurrentHashMap.newKeySet();
    /** Every node prefix this service has created (they differ with path encoding after an update). */
    private final Set<String> prefixes = ConcurrentHashMap.newKeySet();
    /** Persistent types: every data this service has written. */
    private final Set<String> data = ConcurrentHashMap.newKeySet();

    OwnedNodes(NerveService.NodeType type) {
        this.type = type;
    }

    void addSession(long session) {
        sessions.add(session);
    }

    boolean isOurSession(long session) {
        return sessions.contains(session);
    }

    /** Records a node name and data that this service writes. */
    void wrote(String prefix, byte[] bytes) {
        prefixes.add(prefix);
        data.add(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Whether a node under one of our names is ours, by its owner: one of our sessions, or none. */
    boolean owns(Stat stat) {
        return type.persistent() ? stat.getEphemeralOwner() == 0 : sessions.contains(stat.getEphemeralOwner());
    }

    /** Whether the node at {@code full}, with this stat and data, is one of ours. */
    boolean isOurs(String full, Stat stat, byte[] nodeData) {
        if (!isOurName(full) || !owns(stat)) {
            return false;
        }
        return !(type.persistent() && type.sequential()) || data.contains(new String(nodeData, StandardCharsets.UTF_8));
    }

    boolean isOurName(String full) {
        for (String prefix : prefixes) {
            if (!type.sequential()) {
                if (full.equals(prefix)) {
                    return true;
                }
            } else if (full.length() == prefix.length() + 10 && full.startsWith(prefix)
                    && full.substring(prefix.length()).chars().allMatch(c -> c >= '0' && c <= '9')) {
                return true;
            }
        }
        return false;
    }
}
