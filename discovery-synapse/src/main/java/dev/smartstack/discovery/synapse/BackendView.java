package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one service's children hold, as backends, and the snapshot that shows them. Each change
 * costs O(1) to look up and decode and O(log N) to update the {@link SortedBackends} tree; the
 * delta since the last snapshot is kept as it happens, so that the next snapshot is built in
 * O(changes). Not thread-safe: its {@link ServiceWatch} calls it under its lock.
 */
final class BackendView {
    private final WatchedService service;
    private final BackendDecoder decoder;
    /** What a snapshot of discovered backends says they came from. */
    private final ServiceSnapshot.Source discoveredSource;
    /** The backends, found by child name through its sequence number: no second map of N entries. */
    private SortedBackends tree = SortedBackends.EMPTY;
    /** The children that exist but are not backends (refused, filtered out, not serving). */
    private final Set<String> others = new HashSet<>();
    /** Since the last snapshot: key (the child's name) -> the backend it had then, null when none. */
    private Map<String, ServiceInstance> delta = new LinkedHashMap<>();
    /** The tree the last snapshot showed as is, so that {@link #delta} is relative to it; else null. */
    private SortedBackends publishedTree;

    BackendView(WatchedService service, BackendDecoder decoder) {
        this.service = service;
        this.decoder = decoder;
        this.discoveredSource = switch (service.method()) {
            case DNS -> ServiceSnapshot.Source.DNS;
            case MULTI -> ServiceSnapshot.Source.MULTI;
            case BASE -> ServiceSnapshot.Source.DEFAULT_SERVERS;
            case ZOOKEEPER, ZOOKEEPER_POLL -> ServiceSnapshot.Source.ZOOKEEPER;
        };
    }

    boolean knows(String child) {
        return others.contains(child) || backend(child) != null;
    }

    int backends() {
        return tree.size();
    }

    /** The backend a child is, or null; O(log N). A backend's key is its child's name (see BackendDecoder). */
    private ServiceInstance backend(String child) {
        return tree.find(ServiceInstance.sequenceOf(child), child);
    }

    /** The child holds {@code data}; returns whether the backends changed. */
    boolean put(String child, byte[] data, long mzxid, String path) {
        ServiceInstance before = backend(child);
        ServiceInstance after = decoder.decode(child, data, mzxid, path).orElse(null);
        if (after == null) {
            others.add(child);
        } else {
            others.remove(child);
        }
        return replace(child, before, after);
    }

    /** The child is gone; returns whether the backends changed. */
    boolean remove(String child) {
        others.remove(child);
        decoder.forget(child);
        ServiceInstance before = backend(child);
        return before != null && replace(child, before, null);
    }

    /**
     * A list source's whole answer (dns, multi, base): the backends become {@code found}, after
     * the label filters and the port override, keyed by {@link ServiceInstance#key()} (the first of
     * equal keys kept); returns whether the backends changed.
     */
    boolean replaceAll(List<ServiceInstance> found) {
        Map<String, ServiceInstance> next = new LinkedHashMap<>();
        for (ServiceInstance i : found) {
            decoder.accept(i).ifPresent(a -> next.putIfAbsent(a.key(), a));
        }
        boolean changed = false;
        for (String gone : notIn(next.keySet())) {
            changed |= remove(gone);
        }
        for (ServiceInstance a : next.values()) {
            changed |= replace(a.key(), backend(a.key()), a);
        }
        return changed;
    }

    /** The known children that {@code listed} does not hold. */
    List<String> notIn(Set<String> listed) {
        List<String> gone = new ArrayList<>();
        for (ServiceInstance i : tree) {
            if (!listed.contains(i.key())) {
                gone.add(i.key());
            }
        }
        for (String child : others) {
            if (!listed.contains(child)) {
                gone.add(child);
            }
        }
        return gone;
    }

    private boolean replace(String child, ServiceInstance before, ServiceInstance after) {
        if (before == null ? after == null : before.equals(after)) {
            return false;
        }
        tree = after != null ? tree.with(after) : tree.without(before);
        if (!delta.containsKey(child)) {
            delta.put(child, before);
        }
        return true;
    }

    /** The snapshot after {@code current}, or null when it would show nothing new. */
    ServiceSnapshot next(ServiceSnapshot current, boolean live, Instant time) {
        boolean plain = !tree.isEmpty() && !service.leaderElection()
                && !(service.keepDefaultServers() && !service.defaultServers().isEmpty());
        ServiceSnapshot next = plain && publishedTree != null
                ? fromDelta(current, live, time)
                : general(current, plain, live, time);
        if (!delta.isEmpty()) {
            // A new map, not clear(): clear() costs the table's capacity, which a cold start of
            // N children left at O(N) for good.
            delta = new LinkedHashMap<>();
        }
        publishedTree = plain ? tree : null;
        return next;
    }

    /** The common case in O(changes): the backends are the tree, and the delta was kept as it happened. */
    private ServiceSnapshot fromDelta(ServiceSnapshot current, boolean live, Instant time) {
        if (delta.isEmpty() && current.live() == live && current.source() == discoveredSource) {
            return null;
        }
        List<ServiceInstance> added = new ArrayList<>();
        List<ServiceInstance> removed = new ArrayList<>();
        List<ServiceInstance> changed = new ArrayList<>();
        delta.forEach((key, before) -> {
            ServiceInstance after = backend(key);
            if (before == null && after != null) {
                added.add(after);
            } else if (before != null && after == null) {
                removed.add(before);
            } else if (before != null && !before.equals(after)) {
                changed.add(after);
            }
        });
        return new ServiceSnapshot(service.name(), current.version() + 1, tree, added, removed, changed,
                discoveredSource, live, time);
    }

    /** Leader election, default servers, previous backends, or the first snapshot: O(N), but rare. */
    private ServiceSnapshot general(ServiceSnapshot current, boolean plain, boolean live, Instant time) {
        List<ServiceInstance> discovered = discovered();
        ServiceSnapshot.Source source = discoveredSource;
        List<ServiceInstance> backends = discovered;
        if (service.keepDefaultServers() && !service.defaultServers().isEmpty()) {
            backends = union(discovered, service.defaultServers());
            if (discovered.isEmpty()) {
                source = ServiceSnapshot.Source.DEFAULT_SERVERS;
            }
        } else if (discovered.isEmpty() && !service.defaultServers().isEmpty()) {
            backends = service.defaultServers();
            source = ServiceSnapshot.Source.DEFAULT_SERVERS;
        }
        if (backends.isEmpty() && service.usePreviousBackends() && !current.backends().isEmpty()) {
            backends = current.backends();
            source = ServiceSnapshot.Source.PREVIOUS;
        }
        if (current.version() > 0 && current.live() == live && current.source() == source
                && current.backends().equals(backends)) {
            return null;
        }
        if (plain) {
            return new ServiceSnapshot(service.name(), current.version() + 1, tree, List.of(), List.of(), List.of(),
                    source, live, time).relativeTo(current);
        }
        return ServiceSnapshot.next(current, backends, source, live, time);
    }

    private List<ServiceInstance> discovered() {
        if (tree.isEmpty()) {
            return List.of();
        }
        if (service.leaderElection()) {
            for (ServiceInstance i : tree) {
                if (i.sequence() >= 0) {
                    return List.of(i);
                }
            }
            return List.of(tree.get(0));
        }
        return tree;
    }

    private static List<ServiceInstance> union(List<ServiceInstance> a, Collection<ServiceInstance> b) {
        Map<String, ServiceInstance> m = new LinkedHashMap<>();
        for (ServiceInstance i : a) {
            m.put(i.key(), i);
        }
        for (ServiceInstance i : b) {
            m.putIfAbsent(i.key(), i);
        }
        return new ArrayList<>(m.values());
    }
}
