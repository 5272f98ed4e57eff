package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.PathEncoding;
import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watched service: what is known of its children, its backends, and its snapshots.
 *
 * <p>A {@link ChildWatch} (the persistent recursive watch on ZooKeeper 3.6+, one-shot watches on
 * older servers) tells it, on the ZooKeeper event thread, what a child now holds or that it is
 * gone, and runs resyncs; its {@link BackendView} turns that into backends in O(log N) per change.
 * A burst of changes becomes one snapshot, built in O(changes) on the publish thread and shared by
 * every output.
 *
 * <p>A resync (the cold start, and after every connection loss) holds snapshots back until its
 * reads are all in, so the first snapshot after it carries the whole difference at once:
 * membership and data changes together, never an empty or partial set.
 */
final class ServiceWatch {
    private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);

    private final WatchedService service;
    private final SynapseWatcher owner;
    private final String childPrefix;
    /** Whether the service is read from ZooKeeper, so that its liveness follows the connection. */
    private final boolean zooKeeper;

    private final BackendDecoder decoder;
    // All guarded by this.
    private final BackendView view;
    private boolean loaded;
    private boolean inSync;
    private boolean needsResync = true;
    private boolean resyncing;
    private boolean quietResync;
    private long generation;
    private boolean publishQueued;
    private Instant firstUnpublishedEvent;
    private boolean closed;
    private ChildWatch childWatch;
    // Written under the lock, read without it.
    private volatile ServiceSnapshot current;
    /** Counted down at the first published snapshot, or when the service is closed. */
    private final CountDownLatch firstPublished = new CountDownLatch(1);

    ServiceWatch(WatchedService service, SynapseWatcher owner) {
        this.service = service;
        this.owner = owner;
        this.decoder = new BackendDecoder(service, owner);
        this.view = new BackendView(service, decoder);
        this.zooKeeper = service.method().usesZooKeeper();
        this.childPrefix = !zooKeeper ? "" : service.path().equals("/") ? "/" : service.path() + "/";
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

    // ---- the ZooKeeper side ----

    /**
     * Starts the service's source on ZooKeeper 3.6 or newer: the persistent recursive watch, or the
     * poll when the service is polled.
     */
    void startPersistentWatch(CuratorFramework client) {
        Optional<Duration> poll = service.pollingInterval();
        startChildWatch(poll.isPresent() ? new PollingChildWatch(this, client, poll.get())
                : new PersistentChildWatch(this, client));
    }

    /**
     * Starts one-shot child and data watches, for a server older than 3.6. A polled service needs
     * multi-reads (3.6+) and falls back to the watches too, and says so.
     */
    void startOneShotWatches(CuratorFramework client) {
        if (service.pollingInterval().isPresent()) {
            log.warn("synapse '{}' cannot poll {}: the server is older than ZooKeeper 3.6 (no multi-read);"
                    + " watching it instead", service.name(), service.path());
        }
        startChildWatch(new OneShotChildWatch(this, client));
    }

    /** Polls now when the service is polled (for tests); false when it is not. */
    boolean pollNow() {
        ChildWatch w;
        synchronized (this) {
            w = childWatch;
        }
        if (w instanceof PollingChildWatch p) {
            p.pollNow();
            return true;
        }
        return false;
    }

    /** A poll is due: the next sync lists and reads the children again. */
    synchronized void pollDue() {
        if (!resyncing && !needsResync) {
            needsResync = true;
            quietResync = true;
        }
    }

    private void startChildWatch(ChildWatch w) {
        ChildWatch old;
        synchronized (this) {
            if (closed || (childWatch != null && childWatch.getClass() == w.getClass())) {
                return;
            }
            old = childWatch;
            childWatch = w;
            if (old != null) {
                // The new watch syncs from scratch; answers to the old one's sync are ignored.
                needsResync = true;
                resyncing = false;
                generation++;
            }
        }
        if (old != null) {
            old.close();
        }
        w.start();
    }

    /** Whether the one-shot fallback watches are in use. */
    synchronized boolean usesOneShotWatches() {
        return childWatch instanceof OneShotChildWatch;
    }

    /** Stops the child watch (Curator's PersistentWatcher, or the one-shot watches) and releases {@link #awaitPublished} callers. */
    void close() {
        ChildWatch w;
        synchronized (this) {
            closed = true;
            w = childWatch;
        }
        firstPublished.countDown();
        if (w != null) {
            w.close();
        }
    }

    /** A snapshot of this service was published (the first one releases {@link #awaitPublished}). */
    void published() {
        firstPublished.countDown();
    }

    /** Waits for the first published snapshot (or the close); false on timeout or interruption. */
    boolean awaitPublished(Duration timeout) {
        try {
            return firstPublished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String path() {
        return service.path();
    }

    /** The child's name when {@code path} is a direct child of the service path, else null. */
    String childOf(String path) {
        if (path == null || !path.startsWith(childPrefix) || path.length() == childPrefix.length()) {
            return null;
        }
        String rest = path.substring(childPrefix.length());
        return rest.indexOf('/') >= 0 ? null : rest;
    }

    String pathOf(String child) {
        return childPrefix + child;
    }

    // ---- what a ChildWatch reports, on the ZooKeeper event thread ----

    /**
     * A child whose name carries its data (Ruby Nerve's path encoding): applied from the name when
     * it is not known yet. Returns false when the name does not decode, and the data must be read.
     */
    boolean fromName(String child) {
        if (!PathEncoding.isEncoded(child)) {
            return false;
        }
        // Decoded first: a base64_ name that does not decode was read from its data, and its data
        // changes must be read too.
        Optional<byte[]> data = PathEncoding.decode(child);
        if (data.isEmpty()) {
            return false;
        }
        synchronized (this) {
            if (view.knows(child)) {
                return true; // the name is the data: nothing new
            }
        }
        childData(child, data.get(), BackendDecoder.FROM_NAME);
        return true;
    }

    /** A child holds {@code data}, last changed at {@code mzxid}. */
    void childData(String child, byte[] data, long mzxid) {
        List<BackendDecoder.Refusal> refusals;
        synchronized (this) {
            if (view.put(child, data, mzxid, pathOf(child))) {
                changedLocked();
            }
            refusals = decoder.takeRefusals();
        }
        decoder.report(refusals);
    }

    /** A child is gone. */
    synchronized void childGone(String child) {
        if (view.remove(child)) {
            changedLocked();
        }
    }

    /**
     * Starts a resync when one is needed (at the start, and after a connection loss) and none is
     * running; returns its generation, or -1 when there is nothing to do.
     */
    synchronized long beginResync() {
        if (closed || !needsResync || resyncing) {
            return -1;
        }
        resyncing = true;
        return ++generation;
    }

    /**
     * The children the server listed for resync {@code generation} (or, with -1, for a one-shot
     * child watch that fired). Children known but not listed are gone; listed children whose name
     * carries their data are applied from it. Returns the children whose data must be read: every
     * other listed child for a resync (any of them may have changed while the connection was down),
     * only the unknown ones for -1; null when the resync was superseded.
     */
    List<String> listed(long generation, Collection<String> children) {
        List<String> candidates = new ArrayList<>();
        synchronized (this) {
            if (generation >= 0 && (generation != this.generation || !resyncing)) {
                return null;
            }
            view.notIn(children instanceof Set<String> s ? s : new HashSet<>(children)).forEach(this::childGone);
            for (String child : children) {
                if (generation >= 0 || !view.knows(child)) {
                    candidates.add(child);
                }
            }
        }
        List<String> toRead = new ArrayList<>(candidates.size());
        for (String child : candidates) {
            if (!fromName(child)) {
                toRead.add(child);
            }
        }
        return toRead;
    }

    /** Resync {@code generation} has applied everything it read: the view is in sync again. */
    void resyncDone(long generation, int children, int read, int requests) {
        int backends;
        boolean quiet;
        synchronized (this) {
            if (generation != this.generation || !resyncing) {
                return;
            }
            quiet = quietResync;
            quietResync = false;
            resyncing = false;
            needsResync = false;
            inSync = true;
            loaded = true;
            backends = view.backends();
            changedLocked();
        }
        if (quiet) {
            log.debug("synapse '{}' polled {}: {} children, {} backends; read {} znodes in {} requests",
                    service.name(), service.path(), children, backends, read, requests);
        } else {
            log.info("synapse '{}' synced {}: {} children, {} backends; read {} znodes in {} requests",
                    service.name(), service.path(), children, backends, read, requests);
        }
    }

    void resyncFailed(long generation, String reason) {
        synchronized (this) {
            if (generation != this.generation || !resyncing) {
                return;
            }
            resyncing = false;
            changedLocked();
        }
        log.warn("synapse '{}' could not sync {}: {}; the view stays stale until the next reconnect",
                service.name(), service.path(), reason);
    }

    // ---- what a ListSource reports (dns, multi, base), on its own thread ----

    /**
     * A list source's whole answer: the service's backends are now {@code found} (before filters),
     * and the view is {@code live} or stale.
     */
    synchronized void report(List<ServiceInstance> found, boolean live) {
        if (closed) {
            return;
        }
        boolean changed = view.replaceAll(found);
        if (changed || !loaded || inSync != live) {
            loaded = true;
            inSync = live;
            changedLocked();
        }
    }

    // ---- the connection, as the watcher sees it ----

    /** The connection was suspended or lost: keep the backends, mark the view stale, resync later. */
    synchronized void connectionLost() {
        inSync = false;
        quietResync = false;
        needsResync = true;
        resyncing = false;
        generation++;
        changedLocked();
    }

    /** The connection is back: the liveness may have changed, and the one-shot watches resync. */
    void connectionRestored() {
        ChildWatch w;
        synchronized (this) {
            changedLocked();
            w = childWatch;
        }
        if (w != null) {
            w.reconnected();
        }
    }

    // ---- snapshots ----

    /** A snapshot from the state file, published before ZooKeeper answered. */
    synchronized ServiceSnapshot seed(List<ServiceInstance> backends) {
        if (current.version() > 0) {
            return null;
        }
        current = ServiceSnapshot.next(current, backends, ServiceSnapshot.Source.STATE_FILE, false,
                owner.clock().instant());
        return current;
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
    synchronized ServiceSnapshot buildNext() {
        publishQueued = false;
        if (!loaded || resyncing) {
            // Before the first load, or while a resync runs: its end publishes the whole difference at once.
            return null;
        }
        Instant time = firstUnpublishedEvent != null ? firstUnpublishedEvent : owner.clock().instant();
        firstUnpublishedEvent = null;
        ServiceSnapshot next = view.next(current, inSync && (!zooKeeper || owner.isConnected()), time);
        if (next != null) {
            current = next;
        }
        return next;
    }
}
