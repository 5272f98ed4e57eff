package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The backends of one service at one moment, and what changed since the snapshot before it.
 * Immutable. Versions start at 1 and grow by one with every snapshot the watcher publishes for the
 * service; an output that was handed a coalesced snapshot sees a gap in the versions, and its
 * delta is relative to the snapshot that output saw last (see {@link #relativeTo}).
 *
 * @param service the service name
 * @param version 1, 2, 3, ... per service
 * @param backends the current backends, ordered by sequence number, then {@link ServiceInstance#key()}
 * @param added backends that were not in the previous snapshot
 * @param removed backends of the previous snapshot that are gone
 * @param changed backends whose data changed (the new data)
 * @param source where the backends came from
 * @param live whether the view is live (ZooKeeper connected and in sync) or stale
 * @param time when the change that produced the snapshot was seen
 */
public record ServiceSnapshot(
        String service,
        long version,
        List<ServiceInstance> backends,
        List<ServiceInstance> added,
        List<ServiceInstance> removed,
        List<ServiceInstance> changed,
        Source source,
        boolean live,
        Instant time) {

    /** The order of {@link #backends()}. */
    public static final Comparator<ServiceInstance> ORDER =
            Comparator.comparingLong(ServiceInstance::sequence).thenComparing(ServiceInstance::key);

    /** Where a snapshot's backends came from. */
    public enum Source {
        /** Read from ZooKeeper. */
        ZOOKEEPER,
        /** Resolved from DNS names (discovery method {@code dns}). */
        DNS,
        /** Combined from several watchers (discovery method {@code multi}). */
        MULTI,
        /** Kept from before because discovery found none and {@code use_previous_backends} is on. */
        PREVIOUS,
        /** Loaded from the state file while ZooKeeper could not be reached. */
        STATE_FILE,
        /** The configured {@code default_servers}, as discovery found none. */
        DEFAULT_SERVERS
    }

    public ServiceSnapshot {
        Objects.requireNonNull(service, "service == null");
        // A SortedBackends is already immutable; copying it would cost O(N) per snapshot.
        backends = backends instanceof SortedBackends ? backends : List.copyOf(backends);
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        Objects.requireNonNull(source, "source == null");
        Objects.requireNonNull(time, "time == null");
    }

    /** The snapshot before any data: version 0, no backends, not live. */
    public static ServiceSnapshot initial(String service) {
        return new ServiceSnapshot(service, 0, List.of(), List.of(), List.of(), List.of(), Source.ZOOKEEPER, false,
                Instant.EPOCH);
    }

    /**
     * The snapshot that follows {@code previous}: version + 1, backends sorted by {@link #ORDER},
     * and the delta computed by {@link ServiceInstance#key()}.
     */
    public static ServiceSnapshot next(ServiceSnapshot previous, List<ServiceInstance> backends, Source source,
            boolean live, Instant time) {
        List<ServiceInstance> sorted = new ArrayList<>(backends);
        sorted.sort(ORDER);
        ServiceSnapshot s = new ServiceSnapshot(previous.service, previous.version + 1, sorted, List.of(), List.of(),
                List.of(), source, live, time);
        return s.relativeTo(previous);
    }

    /** This snapshot with its delta recomputed against {@code earlier}, for outputs that skipped versions. */
    public ServiceSnapshot relativeTo(ServiceSnapshot earlier) {
        if (backends instanceof SortedBackends now && earlier.backends instanceof SortedBackends then) {
            // Both from the watcher's tree: only the subtrees that differ are compared.
            SortedBackends.Diff d = SortedBackends.diff(then, now);
            return new ServiceSnapshot(service, version, backends, d.added(), d.removed(), d.changed(), source, live,
                    time);
        }
        Map<String, ServiceInstance> before = new LinkedHashMap<>();
        for (ServiceInstance i : earlier.backends) {
            before.put(i.key(), i);
        }
        List<ServiceInstance> add = new ArrayList<>();
        List<ServiceInstance> change = new ArrayList<>();
        for (ServiceInstance i : backends) {
            ServiceInstance old = before.remove(i.key());
            if (old == null) {
                add.add(i);
            } else if (!old.equals(i)) {
                change.add(i);
            }
        }
        return new ServiceSnapshot(service, version, backends, add, new ArrayList<>(before.values()), change, source,
                live, time);
    }

    /** Whether the backends differ from the previous snapshot's. */
    public boolean hasChanges() {
        return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty();
    }

    @Override
    public String toString() {
        return "ServiceSnapshot{" + service + " v" + version + ", " + backends.size() + " backends, +" + added.size()
                + " -" + removed.size() + " ~" + changed.size() + ", " + source + (live ? ", live" : ", stale") + "}";
    }
}
