package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.Validation;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds and removes a {@link SynapseWatcher}'s services at run time: the {@link Membership} is
 * changed under its lock, then the service's source is started or stopped with no lock held. A
 * ZooKeeper service goes through the {@link ZooKeeperLink}, which starts its watch as it started the
 * builder's; any other gets its {@link ListSource}.
 */
final class MembershipChanges {
    private static final Logger log = LoggerFactory.getLogger(MembershipChanges.class);

    private final SynapseWatcher owner;
    private final Membership members;
    /** Null when no builder service is discovered in ZooKeeper. */
    private final ZooKeeperLink zooKeeper;
    private final DiscoveryMetrics metrics;
    private final BooleanSupplier closed;

    MembershipChanges(SynapseWatcher owner, Membership members, ZooKeeperLink zooKeeper, DiscoveryMetrics metrics,
            BooleanSupplier closed) {
        this.owner = owner;
        this.members = members;
        this.zooKeeper = zooKeeper;
        this.metrics = metrics;
        this.closed = closed;
    }

    /** See {@link SynapseWatcher#addService}; the caller checked that the watcher is started. */
    void add(WatchedService service) {
        boolean inZooKeeper = service.method().usesZooKeeper();
        if (inZooKeeper && zooKeeper == null) {
            throw new IllegalStateException("SynapseWatcher cannot add service " + Validation.quote(service.name()) + ": it is discovered"
                    + " in ZooKeeper and this watcher has no ZooKeeper connection (none of its builder services used one)");
        }
        ServiceWatch watch = new ServiceWatch(service, owner);
        ListSource source = inZooKeeper ? null : ListSource.of(watch, metrics, owner);
        members.addLater(watch, source);
        if (inZooKeeper) {
            zooKeeper.add(watch);
        } else {
            source.start();
        }
        if (closed.getAsBoolean() || !members.isMember(watch)) {
            stop(watch, source); // the watcher closed, or the service was removed, while it started
            return;
        }
        log.info("synapse started watching '{}' ({})", service.name(), service.method());
    }

    /**
     * See {@link SynapseWatcher#removeService}: the service leaves the membership, its source is
     * stopped (Curator's PersistentWatcher closed, or the one-shot watches, or the list source).
     */
    void remove(String service) {
        Membership.Removed removed = members.remove(service);
        stop(removed.watch(), removed.source());
        log.info("synapse stopped watching '{}'", service);
    }

    private void stop(ServiceWatch watch, ListSource source) {
        if (zooKeeper != null) {
            zooKeeper.remove(watch);
        }
        if (source != null) {
            source.close();
        }
        watch.close();
    }
}
