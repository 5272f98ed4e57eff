package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheBridge;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.CuratorCacheStorage;
import org.apache.curator.framework.recipes.cache.TreeCache;
import org.apache.curator.framework.recipes.cache.TreeCacheEvent;
import org.apache.curator.utils.Compatibility;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watched service: its cache, its decoded backends keyed by znode name, and its pipeline.
 *
 * <p>Cache events arrive on Curator's single event-dispatch thread and update the map in
 * O(log N). Building the snapshot (O(N) copy of an already ordered set) happens on the watcher's
 * publish thread; a burst of events that arrives while a publish is queued becomes one snapshot.
 */
final class ServiceWatch implements CuratorCacheListener {
    private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);

    private final WatchedService service;
    private final SynapseWatcher owner;
    private final String childPrefix;

    // All guarded by this.
    private final Map<String, ServiceInstance> byZnode = new HashMap<>();
    private final TreeSet<ServiceInstance> ordered = new TreeSet<>(ServiceSnapshot.ORDER);
    private final Map<String, Integer> refusedVersions = new HashMap<>();
    // Every child the cache reported and did not delete, whether it decoded, was refused or filtered.
    private final Set<String> present = new HashSet<>();
    // While a resync runs: the children that had an event since it started; null otherwise.
    private Set<String> touched;
    private long resyncGeneration;
    private boolean cacheInitialized;
    private boolean inSync;
    private boolean publishQueued;
    private Instant firstUnpublishedEvent;
    // Written under the lock, read without it.
    private volatile ServiceSnapshot current;

    private volatile Runnable closeCache = () -> { };
    private volatile boolean treeCache;
    private boolean closed; // guarded by this: a late server-probe answer must not start a TreeCache

    ServiceWatch(WatchedService service, SynapseWatcher owner) {
        this.service = service;
        this.owner = owner;
        this.childPrefix = service.path().equals("/") ? "/" : service.path() + "/";
        this.current = ServiceSnapshot.initial(service.name());
    }

    String name() {
        return service.name();
    }

    WatchedService service() {
        return service;
    }

    ServiceSnapshot current() {
        return current;
    }

    boolean isLive() {
        return current.live();
    }

    boolean hasData() {
        return current.version() > 0;
    }

    /**
     * Starts the cache. {@link CuratorCache#bridgeBuilder} picks a {@code CuratorCache} with a
     * persistent recursive watch when the ZooKeeper client library supports it (3.6 or newer, as
     * the managed 3.9 does), and a {@code TreeCache} otherwise. Whether the <em>server</em> supports
     * persistent watches is probed by {@link SynapseWatcher}, which calls
     * {@link #fallBackToTreeCache} when it does not.
     */
    void start(CuratorFramework client) {
        if (Compatibility.hasPersistentWatchers()) {
            CuratorCache cache = CuratorCache.builder(client, service.path())
                    .withStorage(new RecreationAwareStorage())
                    .build();
            cache.listenable().addListener(this);
            treeCache = false;
            closeCache = cache::close;
            cache.start();
            return;
        }
        CuratorCacheBridge cache = CuratorCache.bridgeBuilder(client, service.path())
                .withDataNotCached()
                .build();
        cache.listenable().addListener(this);
        treeCache = !cache.isCuratorCache();
        closeCache = cache::close;
        cache.start();
    }

    /**
     * The cache's storage (without data, as {@code withDataNotCached}), made to notice a node that
     * was deleted and created again while the connection was down. After a reconnect CuratorCache
     * re-reads every node and raises NODE_CHANGED only when the data <em>version</em> differs; a
     * node re-created meanwhile has version 0 again, so its new data raised no event and the
     * watcher kept the old backend for good. When the creation zxid differs, the previous entry is
     * handed back with a different version, so that the cache reports the change.
     */
    static final class RecreationAwareStorage implements CuratorCacheStorage {
        private final CuratorCacheStorage delegate = CuratorCacheStorage.dataNotCached();

        @Override
        public Optional<ChildData> put(ChildData data) {
            Optional<ChildData> previous = delegate.put(data);
            if (previous.isEmpty()) {
                return previous;
            }
            Stat old = previous.get().getStat();
            Stat now = data.getStat();
            if (old == null || now == null || old.getVersion() != now.getVersion() || old.getCzxid() == now.getCzxid()) {
                return previous;
            }
            Stat marked = new Stat(old.getCzxid(), old.getMzxid(), old.getCtime(), old.getMtime(), now.getVersion() + 1,
                    old.getCversion(), old.getAversion(), old.getEphemeralOwner(), old.getDataLength(),
                    old.getNumChildren(), old.getPzxid());
            return Optional.of(new ChildData(previous.get().getPath(), marked, previous.get().getData()));
        }

        @Override
        public Optional<ChildData> remove(String path) {
            return delegate.remove(path);
        }

        @Override
        public void clear() {
            delegate.clear();
        }

        @Override
        public Optional<ChildData> get(String path) {
            return delegate.get(path);
        }

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public Stream<ChildData> stream() {
            return delegate.stream();
        }
    }

    boolean usesTreeCache() {
        return treeCache;
    }

    /**
     * Replaces the CuratorCache with a TreeCache of depth 1, for a server older than 3.6. Called
     * before the CuratorCache could load anything (its watch was refused), so nothing is lost.
     */
    @SuppressWarnings("deprecation") // TreeCache is deprecated in favour of CuratorCache, which old servers cannot serve
    synchronized void fallBackToTreeCache(CuratorFramework client) {
        if (treeCache || closed) {
            return;
        }
        closeCache.run();
        TreeCache cache = TreeCache.newBuilder(client, service.path()).setMaxDepth(1).build();
        cache.getListenable().addListener((c, e) -> treeEvent(e));
        treeCache = true;
        closeCache = cache::close;
        try {
            cache.start();
        } catch (Exception e) {
            log.error("synapse '{}' could not start a TreeCache on {}", service.name(), service.path(), e);
        }
    }

    private void treeEvent(TreeCacheEvent e) {
        switch (e.getType()) {
            case NODE_ADDED -> event(Type.NODE_CREATED, null, e.getData());
            case NODE_UPDATED -> event(Type.NODE_CHANGED, e.getOldData(), e.getData());
            case NODE_REMOVED -> event(Type.NODE_DELETED, e.getData(), null);
            case INITIALIZED -> initialized();
            default -> {
                // Connection events reach the watcher through the client's own listener.
            }
        }
    }

    void close() {
        synchronized (this) {
            closed = true;
        }
        closeCache.run();
    }

    /** A snapshot from the state file, published before ZooKeeper answered. */
    ServiceSnapshot seed(List<ServiceInstance> backends) {
        synchronized (this) {
            if (current.version() > 0) {
                return null;
            }
            current = ServiceSnapshot.next(current, backends, ServiceSnapshot.Source.STATE_FILE, false,
                    owner.clock().instant());
            return current;
        }
    }

    @Override
    public void event(Type type, ChildData oldData, ChildData data) {
        try {
            ChildData node = data != null ? data : oldData;
            if (node == null) {
                return;
            }
            String child = childOf(node.getPath());
            if (child == null) {
                return;
            }
            synchronized (this) {
                if (touched != null) {
                    touched.add(child);
                }
                if (type == Type.NODE_DELETED) {
                    present.remove(child);
                    removeLocked(child);
                    refusedVersions.remove(child);
                } else {
                    present.add(child);
                    applyLocked(child, data);
                }
                changedLocked();
            }
        } catch (Throwable t) {
            log.error("synapse '{}' failed to handle {} under {}", service.name(), type, service.path(), t);
        }
    }

    private void applyLocked(String child, ChildData data) {
        Optional<ServiceInstance> decoded = decode(child, data);
        if (decoded.isPresent()) {
            putLocked(child, decoded.get());
        } else {
            removeLocked(child);
        }
    }

    @Override
    public void initialized() {
        synchronized (this) {
            cacheInitialized = true;
            inSync = true;
            changedLocked();
        }
        log.info("synapse '{}' loaded {} backends from {}", service.name(), size(), service.path());
    }

    private synchronized int size() {
        return byZnode.size();
    }

    /** The connection was suspended or lost: keep the backends, mark the view stale. */
    void connectionLost() {
        synchronized (this) {
            inSync = false;
            // A resync in progress is abandoned; the next reconnect starts another.
            touched = null;
            resyncGeneration++;
            changedLocked();
        }
    }

    /**
     * The connection is back (same or new session). The cache rebuilds itself node by node, and
     * publishing each of its events would show outputs sets the registry never had (an empty one
     * when every backend was replaced while we were away). So: read the children once, read the
     * data of the children that are new since the disconnect, then apply the whole difference at
     * once and make the view live; until then nothing is published and outputs keep the last
     * snapshot. A child that had a cache event meanwhile is left as the cache reported it. Nothing
     * is cleared first, so the set never passes through empty. Before the cache's first load, the
     * load itself makes the view live.
     */
    void resync(CuratorFramework client) {
        long generation;
        synchronized (this) {
            if (!cacheInitialized) {
                return;
            }
            generation = ++resyncGeneration;
            touched = new HashSet<>();
        }
        try {
            client.getChildren().inBackground((c, event) -> childrenRead(c, event, generation))
                    .forPath(service.path());
        } catch (Exception e) {
            resyncFailed(generation, Validation.quote(String.valueOf(e)));
        }
    }

    private void childrenRead(CuratorFramework client, CuratorEvent event, long generation) {
        int rc = event.getResultCode();
        if (rc != KeeperException.Code.OK.intValue() && rc != KeeperException.Code.NONODE.intValue()) {
            resyncFailed(generation, String.valueOf(KeeperException.Code.get(rc)));
            return;
        }
        Set<String> children = rc == KeeperException.Code.OK.intValue() ? new HashSet<>(event.getChildren()) : Set.of();
        List<String> missing = new ArrayList<>();
        synchronized (this) {
            if (generation != resyncGeneration) {
                return;
            }
            for (String z : children) {
                if (!present.contains(z)) {
                    missing.add(z);
                }
            }
        }
        Map<String, ChildData> fetched = new java.util.concurrent.ConcurrentHashMap<>();
        if (missing.isEmpty()) {
            applyResync(generation, children, fetched);
            return;
        }
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(missing.size());
        for (String z : missing) {
            Runnable done = () -> {
                if (left.decrementAndGet() == 0) {
                    applyResync(generation, children, fetched);
                }
            };
            try {
                client.getData().inBackground((c, e) -> {
                    if (e.getResultCode() == KeeperException.Code.OK.intValue()) {
                        fetched.put(z, new ChildData(e.getPath(), e.getStat(), e.getData()));
                    }
                    done.run();
                }).forPath(childPrefix + z);
            } catch (Exception e) {
                done.run();
            }
        }
    }

    private void applyResync(long generation, Set<String> children, Map<String, ChildData> fetched) {
        int removed = 0;
        synchronized (this) {
            if (generation != resyncGeneration) {
                return;
            }
            Set<String> skip = touched;
            touched = null;
            for (String z : new ArrayList<>(present)) {
                if (!children.contains(z) && !skip.contains(z)) {
                    present.remove(z);
                    removeLocked(z);
                    refusedVersions.remove(z);
                    removed++;
                }
            }
            fetched.forEach((z, data) -> {
                if (!skip.contains(z)) {
                    present.add(z);
                    applyLocked(z, data);
                }
            });
            inSync = true;
            changedLocked();
        }
        log.info("synapse '{}' resynced {} after reconnecting ({} backends gone meanwhile, {} new)", service.name(),
                service.path(), removed, fetched.size());
    }

    private void resyncFailed(long generation, String reason) {
        synchronized (this) {
            if (generation == resyncGeneration) {
                touched = null;
                changedLocked();
            }
        }
        log.warn("synapse '{}' could not resync {}: {}; the view stays stale until the next reconnect",
                service.name(), service.path(), reason);
    }

    private String childOf(String path) {
        if (!path.startsWith(childPrefix) || path.length() == childPrefix.length()) {
            return null;
        }
        String rest = path.substring(childPrefix.length());
        return rest.indexOf('/') >= 0 ? null : rest;
    }

    private Optional<ServiceInstance> decode(String child, ChildData data) {
        String path = data.getPath();
        int version = data.getStat() == null ? -1 : data.getStat().getVersion();
        try {
            Optional<ServiceInstance> decoded = service.decoder().decode(child, data.getData());
            refusedVersions.remove(child);
            if (decoded.isEmpty()) {
                return decoded;
            }
            ServiceInstance i = decoded.get();
            if (!child.equals(i.znodeName().orElse(null))) {
                i = i.withZnodeName(child);
            }
            for (LabelFilter f : service.labelFilters()) {
                if (!f.test(i)) {
                    return Optional.empty();
                }
            }
            if (service.backendPortOverride().isPresent()) {
                i = i.withPort(service.backendPortOverride().getAsInt());
            }
            return Optional.of(i);
        } catch (InvalidInstanceException e) {
            refuse(child, path, version, e.getMessage(), e.field());
        } catch (RuntimeException e) {
            refuse(child, path, version, "decoder failed: " + Validation.quote(String.valueOf(e)), "decoder");
        }
        return Optional.empty();
    }

    private void refuse(String child, String path, int version, String reason, String field) {
        Integer last = refusedVersions.put(child, version);
        if (last != null && last == version) {
            return;
        }
        log.error("synapse '{}' refused znode {}: {}", service.name(), Validation.quote(path), reason);
        String detail = field == null ? "" : field.startsWith("labels.") ? "labels" : field;
        owner.metrics().increment(DiscoveryMetrics.ZNODE_REFUSED, service.name(), detail);
        owner.refused(service.name(), path, reason);
    }

    private void putLocked(String child, ServiceInstance i) {
        ServiceInstance old = byZnode.put(child, i);
        if (old != null) {
            ordered.remove(old);
        }
        ordered.add(i);
    }

    private void removeLocked(String child) {
        ServiceInstance old = byZnode.remove(child);
        if (old != null) {
            ordered.remove(old);
        }
    }

    private void changedLocked() {
        if (firstUnpublishedEvent == null) {
            firstUnpublishedEvent = owner.clock().instant();
        }
        if (!publishQueued) {
            publishQueued = true;
            owner.schedulePublish(this);
        }
    }

    /** Builds and returns the next snapshot, or null when nothing changed. Runs on the publish thread. */
    ServiceSnapshot buildNext() {
        synchronized (this) {
            publishQueued = false;
            Instant time = firstUnpublishedEvent != null ? firstUnpublishedEvent : owner.clock().instant();
            firstUnpublishedEvent = null;
            if (!cacheInitialized) {
                return null;
            }
            if (touched != null) {
                // A resync is running: its end publishes the whole difference at once.
                publishQueued = false;
                firstUnpublishedEvent = time;
                return null;
            }
            boolean live = inSync && owner.isConnected();
            List<ServiceInstance> discovered = discoveredLocked();
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
            current = ServiceSnapshot.next(current, backends, source, live, time);
            return current;
        }
    }

    private List<ServiceInstance> discoveredLocked() {
        if (ordered.isEmpty()) {
            return List.of();
        }
        if (service.leaderElection()) {
            ServiceInstance leader = null;
            for (ServiceInstance i : ordered) {
                if (i.sequence() >= 0) {
                    leader = i;
                    break;
                }
            }
            return List.of(leader != null ? leader : ordered.first());
        }
        return new ArrayList<>(ordered);
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
