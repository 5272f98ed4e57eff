package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Which services a {@link SynapseWatcher} watches, and how each is discovered when it does not use
 * the watcher's ZooKeeper link: the builder's services, then those added and removed at run time.
 * A plain registry under one lock: it never starts or stops anything (the watcher does, after
 * releasing the lock), and it owns the exact messages for a name that is or is not watched.
 */
final class Membership {
    // All guarded by this.
    private final Map<String, ServiceWatch> watches = new LinkedHashMap<>();
    private final Map<ServiceWatch, ListSource> sources = new LinkedHashMap<>();
    /** Services added after start; they count for the watcher's state once they have data. */
    private final Set<ServiceWatch> addedLater = new HashSet<>();
    /** The builder's services that have neither a first snapshot nor been removed ({@code awaitInitialized}). */
    private final Set<String> awaitingFirst = new HashSet<>();
    private final CountDownLatch builderServicesPublished = new CountDownLatch(1);

    /** A builder service; {@code source} is null when it is read through the ZooKeeper link. */
    synchronized void addInitial(ServiceWatch watch, ListSource source) {
        put(watch, source);
        awaitingFirst.add(watch.name());
    }

    /** Waits until every builder service has a first snapshot or was removed; false on timeout. */
    boolean awaitBuilderServices(Duration timeout) throws InterruptedException {
        return builderServicesPublished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void awaitedLocked(String service) {
        if (awaitingFirst.remove(service) && awaitingFirst.isEmpty()) {
            builderServicesPublished.countDown();
        }
    }

    /**
     * A service added at run time.
     *
     * @throws IllegalArgumentException when a service of that name is already watched
     */
    synchronized void addLater(ServiceWatch watch, ListSource source) {
        if (watches.containsKey(watch.name())) {
            throw new IllegalArgumentException("service " + Validation.quote(watch.name()) + " is already watched");
        }
        put(watch, source);
        addedLater.add(watch);
    }

    private void put(ServiceWatch watch, ListSource source) {
        watches.put(watch.name(), watch);
        if (source != null) {
            sources.put(watch, source);
        }
    }

    /**
     * Stops counting {@code service} as watched and returns it, with its list source if any; the
     * caller closes them.
     *
     * @throws IllegalArgumentException when the service is not watched
     */
    synchronized Removed remove(String service) {
        ServiceWatch watch = watches.remove(service);
        if (watch == null) {
            throw notWatchedLocked(service);
        }
        addedLater.remove(watch);
        awaitedLocked(service);
        return new Removed(watch, sources.remove(watch));
    }

    /** A removed service: its watch, and its list source (null for ZooKeeper). */
    record Removed(ServiceWatch watch, ListSource source) {
    }

    /**
     * The watch of {@code service}.
     *
     * @throws IllegalArgumentException when the service is not watched
     */
    synchronized ServiceWatch get(String service) {
        ServiceWatch w = watches.get(service);
        if (w == null) {
            throw notWatchedLocked(service);
        }
        return w;
    }

    private IllegalArgumentException notWatchedLocked(String service) {
        return new IllegalArgumentException("service " + Validation.quote(service)
                + " is not watched; watched services are " + watches.keySet());
    }

    /** Whether {@code watch} is still the watch of its service (it was not removed). */
    synchronized boolean isMember(ServiceWatch watch) {
        return watches.get(watch.name()) == watch;
    }

    /** A snapshot of {@code watch} was published: a builder service's first counts for {@code awaitInitialized}. */
    synchronized void firstSnapshot(ServiceWatch watch) {
        if (watches.get(watch.name()) == watch && !addedLater.contains(watch)) {
            awaitedLocked(watch.name());
        }
    }

    /**
     * The watcher's state from its services' views: {@code LIVE} when all are live, else
     * {@code STALE} when some has data, else {@code STARTING}. A service added at run time counts
     * from its first snapshot on, so that adding one does not make a live watcher stale.
     */
    synchronized SynapseWatcher.State viewState() {
        boolean allLive = true;
        boolean anyData = false;
        for (ServiceWatch w : watches.values()) {
            if (addedLater.contains(w) && !w.hasData()) {
                continue;
            }
            allLive &= w.isLive();
            anyData |= w.hasData();
        }
        return allLive ? SynapseWatcher.State.LIVE : anyData ? SynapseWatcher.State.STALE : SynapseWatcher.State.STARTING;
    }

    /** The watched services' names, in the order they were added. */
    synchronized Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(watches.keySet()));
    }

    synchronized int size() {
        return watches.size();
    }

    /** A copy of the watches, in the order they were added. */
    synchronized List<ServiceWatch> watches() {
        return new ArrayList<>(watches.values());
    }

    /** A copy of the list sources. */
    synchronized List<ListSource> sources() {
        return new ArrayList<>(sources.values());
    }
}
