package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one service's children hold, as backends, and the snapshot that shows them. Each change
 * costs O(1) to look up and decode and O(log N) to update the {@link SortedBackends} tree; the
 * delta since the last snapshot is kept as it happens, so that the next snapshot is built in
 * O(changes). Not thread-safe: its {@link ServiceWatch} calls it under its lock.
 */
final class BackendView {
    /** What {@link #known} holds for a child that exists but is not a backend (refused, filtered, disabled). */
    private static final Object NOT_A_BACKEND = new Object();

    private final WatchedService service;
    private final BackendDecoder decoder;
    private final Map<String, Object> known = new HashMap<>();
    private SortedBackends tree = SortedBackends.EMPTY;
    /** Since the last snapshot: key (the child's name) -> the backend it had then, null when none. */
    private final Map<String, ServiceInstance> delta = new LinkedHashMap<>();
    /** The tree the last snapshot showed as is, so that {@link #delta} is relative to it; else null. */
    private SortedBackends publishedTree;

    BackendView(WatchedService service, BackendDecoder decoder) {
        this.service = service;
        this.decoder = decoder;
    }

    boolean knows(String child) {
        return known.containsKey(child);
    }

    int backends() {
        return tree.size();
    }

    /** The child holds {@code data}; returns whether the backends changed. */
    boolean put(String child, byte[] data, long mzxid, String path) {
        Object before = known.get(child);
        Optional<ServiceInstance> decoded = decoder.decode(child, data, mzxid, path);
        Object after = decoded.isPresent() ? decoded.get() : NOT_A_BACKEND;
        known.put(child, after);
        return replace(child, before, after);
    }

    /** The child is gone; returns whether the backends changed. */
    boolean remove(String child) {
        Object before = known.remove(child);
        decoder.forget(child);
        return before != null && replace(child, before, null);
    }

    /** The known children that {@code listed} does not hold. */
    List<String> notIn(Set<String> listed) {
        List<String> gone = new ArrayList<>();
        for (String child : known.keySet()) {
            if (!listed.contains(child)) {
                gone.add(child);
            }
        }
        return gone;
    }

    private boolean replace(String child, Object before, Object after) {
        ServiceInstance b = before instanceof ServiceInstance i ? i : null;
        ServiceInstance a = after instanceof ServiceInstance i ? i : null;
        if (b == null ? a == null : b.equals(a)) {
            return false;
        }
        tree = a != null ? tree.with(a) : tree.without(b);
        if (!delta.containsKey(child)) {
            delta.put(child, b);
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
        delta.clear();
        publishedTree = plain ? tree : null;
        return next;
    }

    /** The common case in O(changes): the backends are the tree, and the delta was kept as it happened. */
    private ServiceSnapshot fromDelta(ServiceSnapshot current, boolean live, Instant time) {
        if (delta.isEmpty() && current.live() == live && current.source() == ServiceSnapshot.Source.ZOOKEEPER) {
            return null;
        }
        List<ServiceInstance> added = new ArrayList<>();
        List<ServiceInstance> removed = new ArrayList<>();
        List<ServiceInstance> changed = new ArrayList<>();
        delta.forEach((key, before) -> {
            ServiceInstance after = known.get(key) instanceof ServiceInstance i ? i : null;
            if (before == null && after != null) {
                added.add(after);
            } else if (before != null && after == null) {
                removed.add(before);
            } else if (before != null && !before.equals(after)) {
                changed.add(after);
            }
        });
        return new ServiceSnapshot(service.name(), current.version() + 1, tree, added, removed, changed,
                ServiceSnapshot.Source.ZOOKEEPER, live, time);
    }

    /** Leader election, default servers, previous backends, or the first snapshot: O(N), but rare. */
    private ServiceSnapshot general(ServiceSnapshot current, boolean plain, boolean live, Instant time) {
        List<ServiceInstance> discovered = discovered();
        ServiceSnapshot.Source source = ServiceSnapshot.Source.ZOOKEEPER;
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
