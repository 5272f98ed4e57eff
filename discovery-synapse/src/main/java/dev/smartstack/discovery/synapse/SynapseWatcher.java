package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.CuratorHandle;
import dev.smartstack.discovery.core.internal.Listeners;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the backends of one or more services and hands each change, as an immutable
 * {@link ServiceSnapshot}, to every {@link SnapshotOutput}. A service's backends come from its
 * discovery method (see {@link WatchedService.Method}): ZooKeeper (watched or polled), DNS names,
 * several watchers combined ({@code multi}), or its default servers alone ({@code base}). What
 * follows the method (label filters, the port override, default servers, previous backends, leader
 * election, snapshots, outputs, the state file) is the same for all of them. A ZooKeeper connection
 * ({@link Builder#curator} or {@link Builder#zooKeeper}) is needed only when some service is
 * discovered in ZooKeeper; without one, no ZooKeeper client exists.
 *
 * <pre>{@code
 * ServiceProvider web = ServiceProvider.builder().service("web").build();
 * SynapseWatcher watcher = SynapseWatcher.builder()
 *         .zooKeeper(ZooKeeperSettings.of("127.0.0.1:2181"))
 *         .service(WatchedService.builder().name("web").path("/nerve/services/web").build())
 *         .output(web)
 *         .build()
 *         .start();
 * watcher.awaitInitialized(Duration.ofSeconds(10));
 * ServiceInstance target = web.next();
 * }</pre>
 *
 * <p>What it promises:
 * <ul>
 *   <li>Each service path has one persistent recursive watch (ZooKeeper 3.6+): a join costs one
 *       read (none when the child's name carries its data, Ruby Nerve's path encoding), a leave
 *       none, a data change one, whatever the number of backends. The start and every resync after
 *       a connection loss cost one listing and multi-reads of up to 1,000 children each. Servers
 *       older than 3.6 get one-shot child and data watches instead (logged once).
 *   <li>Only direct children of the path are backends. A missing path is an empty service and is
 *       picked up when it appears.
 *   <li>Untrusted data is refused one znode at a time: logged at ERROR once per znode version,
 *       counted as {@link DiscoveryMetrics#ZNODE_REFUSED}, and reported to
 *       {@link SynapseListener#refused}.
 *   <li>While ZooKeeper is suspended or lost, the last known backends are kept and a snapshot with
 *       {@code live=false} is published; {@link #state()} is {@link State#STALE}. After a reconnect
 *       (or a new session) the view is resynced without passing through an empty set.
 *   <li>With a state file, a watcher started while ZooKeeper is down serves the saved backends
 *       ({@link ServiceSnapshot.Source#STATE_FILE}) until ZooKeeper answers.
 *   <li>Each output has its own daemon thread {@code smartstack-synapse-output-<n>}. An idle
 *       output gets a change at once; a busy one gets the newest snapshot, with its delta computed
 *       against the last one it saw. A slow or failing output never holds back the others.
 *   <li>The watcher never starts or closes an output: whoever built it does (before starting the
 *       watcher, and after closing it).
 *   <li>Services can be added and removed while it runs ({@link #addService}, {@link #removeService}),
 *       at the same cost as the builder's; one watcher serves an application that finds its
 *       dependencies late.
 * </ul>
 */
public final class SynapseWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SynapseWatcher.class);

    /** The default {@link Builder#stateFileTtl(Duration)}: 24 hours, as Synapse's state_file_ttl. */
    public static final Duration DEFAULT_STATE_FILE_TTL = Duration.ofHours(24);
    /** Counter: an output threw from {@code update}. Tag: service. */
    public static final String OUTPUT_FAILED = "smartstack.synapse.output.failed";
    /** How long {@link #close()} waits for each output to finish its last update. */
    public static final Duration OUTPUT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** Where the watcher is in its life, and whether its view is live. */
    public enum State {
        /** Built, not started. */
        LATENT,
        /** Started; no service has any backends yet (neither from ZooKeeper nor from the state file). */
        STARTING,
        /** Connected, and every service's cache is loaded and in sync. */
        LIVE,
        /** Serving the last known backends (or the state file's) while ZooKeeper is away or resyncing. */
        STALE,
        /** Closed. */
        CLOSED
    }

    /** Null when no service given to the builder is discovered in ZooKeeper. */
    private final ZooKeeperLink zooKeeper;
    private final Membership members = new Membership();
    private final MembershipChanges changes;
    /** The builder's list sources, started by start(); an added service's source is started by addService. */
    private final List<ListSource> builderSources;
    private final List<SnapshotOutput> outputs;
    private final Listeners<SynapseListener> listeners = new Listeners<>();
    private final StateFileKeeper stateFile;
    private final DiscoveryMetrics metrics;
    private final Clock clock;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<OutputWorker> workers = new CopyOnWriteArrayList<>();
    private final PublishThread publisher = new PublishThread();

    private SynapseWatcher(Builder b, CuratorHandle handle) {
        List<ServiceWatch> inZooKeeper = new ArrayList<>();
        for (WatchedService s : b.services) {
            ServiceWatch watch = new ServiceWatch(s, this);
            if (s.method().usesZooKeeper()) {
                inZooKeeper.add(watch);
            }
            members.addInitial(watch, s.method().usesZooKeeper() ? null : ListSource.of(watch, b.metrics, this));
        }
        this.builderSources = members.sources();
        this.zooKeeper = handle == null ? null : new ZooKeeperLink(handle, inZooKeeper, b.metrics, () -> state.get() == State.CLOSED);
        this.changes = new MembershipChanges(this, members, zooKeeper, b.metrics, () -> state.get() == State.CLOSED);
        this.outputs = List.copyOf(b.outputs);
        this.listeners.addAll(b.listeners);
        this.metrics = b.metrics;
        this.clock = b.clock;
        this.stateFile = b.stateFile == null ? null : new StateFileKeeper(new StateFile(b.stateFile, b.stateFileTtl, b.clock));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts watching. Returns at once: it never waits for ZooKeeper. With a state file, the saved
     * backends are published before this returns.
     *
     * @throws IllegalStateException when already started or closed, or when a borrowed Curator
     *     client was not started
     */
    public SynapseWatcher start() {
        if (!state.compareAndSet(State.LATENT, State.STARTING)) {
            throw new IllegalStateException("SynapseWatcher cannot be started: it is " + state.get());
        }
        String unusable = zooKeeper == null ? null : zooKeeper.unusable();
        if (unusable != null) {
            state.set(State.CLOSED);
            throw new IllegalStateException(unusable);
        }
        if (stateFile != null) {
            stateFile.start(() -> members.watches().stream().map(ServiceWatch::current).toList());
        }
        NamedThreadFactory outputThreads = new NamedThreadFactory("smartstack-synapse-output");
        Set<String> names = services();
        for (SnapshotOutput o : outputs) {
            OutputWorker worker = new OutputWorker(o, this, metrics, clock, outputThreads);
            workers.add(worker);
            worker.start();
        }
        if (stateFile != null) {
            stateFile.load(names).forEach((service, entry) -> {
                ServiceWatch watch = members.get(service);
                ServiceSnapshot seeded = watch.seed(entry.backends());
                if (seeded != null) {
                    log.info("synapse '{}' serves {} backends from state file {} until ZooKeeper answers", service,
                            seeded.backends().size(), stateFile.path());
                    deliver(watch, seeded);
                }
            });
        }
        if (zooKeeper != null) {
            zooKeeper.start();
        }
        builderSources.forEach(ListSource::start);
        log.info("synapse started watching {} services: {}", names.size(), names);
        updateState();
        return this;
    }

    /**
     * Stops watching and lets every output take its last snapshot. Outputs are not closed: they
     * belong to whoever built them. Closes the Curator client only if the watcher built it.
     * Idempotent.
     */
    @Override
    public void close() {
        State before = state.getAndSet(State.CLOSED);
        if (before == State.CLOSED) {
            return;
        }
        if (before != State.LATENT) {
            if (zooKeeper != null) {
                zooKeeper.stopListening();
            }
            members.sources().forEach(ListSource::close);
            members.watches().forEach(ServiceWatch::close);
            publisher.close(OUTPUT_CLOSE_TIMEOUT);
            if (stateFile != null) {
                stateFile.close();
            }
            for (OutputWorker worker : workers) {
                worker.close(OUTPUT_CLOSE_TIMEOUT);
            }
            closeClient();
            fireStateChanged(before, State.CLOSED);
        } else {
            closeClient();
        }
        log.info("synapse closed");
    }

    private void closeClient() {
        if (zooKeeper != null) {
            zooKeeper.closeClient();
        }
    }

    /**
     * Waits until every service given to the builder has its first snapshot, from ZooKeeper or from
     * the state file (one removed meanwhile no longer counts). Services added at run time are not
     * waited for: see {@link #awaitInitialized(String, Duration)}.
     *
     * @return true when they all have one, false on timeout or interruption
     */
    public boolean awaitInitialized(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        try {
            return members.awaitBuilderServices(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until {@code service} (given to the builder or added) has its first snapshot.
     *
     * @return true when it has one, false on timeout or interruption, or when it was removed meanwhile
     * @throws IllegalArgumentException when the service is not watched
     */
    public boolean awaitInitialized(String service, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout == null");
        ServiceWatch w = members.get(service);
        return w.awaitPublished(timeout) && members.isMember(w) && w.hasData();
    }

    /**
     * Starts watching {@code service} on a started watcher, as if it had been given to the builder:
     * a ZooKeeper service gets the same watch (persistent on 3.6+, one-shot before; started when
     * the connection comes back if it is down) and costs the same requests, other methods start
     * their source. Returns at once. The service counts for {@link #state()} from its first
     * snapshot on, so that adding one does not make a live watcher stale; it is saved in the state
     * file from its first snapshot on, but not seeded from it. Thread-safe.
     *
     * @throws IllegalArgumentException when a service of that name is already watched
     * @throws IllegalStateException when the watcher is not started or closed, or when the service
     *     is discovered in ZooKeeper and no builder service was (the watcher then has no client)
     */
    public void addService(WatchedService service) {
        Objects.requireNonNull(service, "service == null");
        requireStarted("add", service.name());
        changes.add(service);
    }

    /**
     * Stops watching {@code service}: its watch is removed from ZooKeeper (or its source stopped)
     * before this returns, and no snapshot of it is published after. Outputs are not told: they
     * simply receive no more snapshots of it and keep what they have (a {@code ServiceProvider}
     * its last backends, the HAProxy output its backend, the state file its last entry until it
     * expires). {@link #snapshot(String)} then throws as for any unknown name. Thread-safe; a
     * listener may call it.
     *
     * @throws IllegalArgumentException when the service is not watched
     * @throws IllegalStateException when the watcher is not started or closed
     */
    public void removeService(String service) {
        Objects.requireNonNull(service, "service == null");
        requireStarted("remove", service);
        changes.remove(service);
        publisher.awaitEarlierTasks(OUTPUT_CLOSE_TIMEOUT); // a publish of the service under way has ended
        updateState();
    }

    private void requireStarted(String verb, String service) {
        State s = state.get();
        if (s == State.LATENT || s == State.CLOSED) {
            throw new IllegalStateException("SynapseWatcher cannot " + verb + " service " + Validation.quote(service) + ": it is " + s);
        }
    }

    /**
     * The latest snapshot of {@code service}: version 0 with no backends before the first one.
     *
     * @throws IllegalArgumentException when the service is not watched
     */
    public ServiceSnapshot snapshot(String service) {
        return members.get(service).current();
    }

    /** Where the watcher is, and whether its view is live or stale. */
    public State state() {
        return state.get();
    }

    /** The watched services' names: the builder's in the order given, then those added. */
    public Set<String> services() {
        return members.names();
    }

    // ---- package-private plumbing for ServiceWatch and OutputWorker ----

    Clock clock() {
        return clock;
    }

    DiscoveryMetrics metrics() {
        return metrics;
    }

    /** Switches every service to one-shot watches, as for a server older than 3.6 (for tests). */
    void fallBackToOneShotWatches() {
        zooKeeper.fallBackToOneShotWatches();
    }

    boolean usesOneShotWatches(String service) {
        return members.get(service).usesOneShotWatches();
    }

    /** Polls a polled service now (for tests); false when it is watched. */
    boolean pollNow(String service) {
        return members.get(service).pollNow();
    }

    /**
     * Whether the connection is up: as the last connection state said, or as the client knows it
     * already. The first sync can finish on the ZooKeeper event thread before Curator has told the
     * connection listener that the client connected; its snapshot is live, not a stale one followed
     * at once by a live copy.
     */
    boolean isConnected() {
        return zooKeeper == null || zooKeeper.isConnected();
    }

    void refused(String service, String path, String reason) {
        listeners.fire(l -> l.refused(service, path, reason));
    }

    void outputFailed(SnapshotOutput output, ServiceSnapshot snapshot, Throwable error) {
        metrics.increment(OUTPUT_FAILED, snapshot == null ? "" : snapshot.service(), error.getClass().getSimpleName());
        listeners.fire(l -> l.outputFailed(output, snapshot, error));
    }

    void schedulePublish(ServiceWatch watch) {
        publisher.execute(watch.name(), () -> publish(watch));
    }

    private void publish(ServiceWatch watch) {
        try {
            ServiceSnapshot next = members.isMember(watch) ? watch.buildNext() : null;
            if (next != null) {
                deliver(watch, next);
                if (stateFile != null) {
                    stateFile.published(next);
                }
            }
        } catch (Throwable t) {
            log.error("synapse '{}' failed to publish", watch.name(), t);
        }
    }

    private void deliver(ServiceWatch watch, ServiceSnapshot snapshot) {
        // One INFO line per snapshot that changes the backends, as Ruby's "discovered N backends":
        // a burst of changes is one snapshot, and the line names at most a few backends.
        if (snapshot.hasChanges() && log.isInfoEnabled()) {
            log.info("synapse '{}' now has {} backends: {}", snapshot.service(), snapshot.backends().size(),
                    MembershipLine.of(snapshot));
        } else {
            log.debug("synapse '{}' {}", snapshot.service(), snapshot);
        }
        for (OutputWorker w : workers) {
            w.offer(snapshot);
        }
        metrics.increment(DiscoveryMetrics.SNAPSHOT_PUBLISHED, snapshot.service(), "");
        listeners.fire(l -> l.published(snapshot));
        watch.published();
        members.firstSnapshot(watch);
        updateState();
    }

    private void updateState() {
        while (true) {
            State before = state.get();
            if (before == State.CLOSED || before == State.LATENT) {
                return;
            }
            State after = members.viewState();
            if (after == before) {
                return;
            }
            if (state.compareAndSet(before, after)) {
                log.info("synapse is now {} (was {})", after, before);
                fireStateChanged(before, after);
                return;
            }
        }
    }

    private void fireStateChanged(State from, State to) {
        listeners.fire(l -> l.stateChanged(from, to));
    }

    @Override
    public String toString() {
        return "SynapseWatcher{" + members.names() + ", " + state.get() + "}";
    }

    /**
     * Builds a {@link SynapseWatcher}: at least one service is required, and a ZooKeeper connection
     * when some service is discovered in ZooKeeper. A watcher whose services are all {@code dns},
     * {@code base} or {@code multi} (whose ZooKeeper watchers bring their own settings) needs none,
     * and ignores one that is given.
     */
    public static final class Builder {
        private CuratorFramework curator;
        private ZooKeeperSettings zooKeeper;
        private final List<WatchedService> services = new ArrayList<>();
        private final List<SnapshotOutput> outputs = new ArrayList<>();
        private final List<SynapseListener> listeners = new ArrayList<>();
        private Path stateFile;
        private Duration stateFileTtl = DEFAULT_STATE_FILE_TTL;
        private DiscoveryMetrics metrics = DiscoveryMetrics.NOOP;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * The caller's Curator client, already started; the watcher never closes it. Needed only
         * for services discovered in ZooKeeper.
         */
        public Builder curator(CuratorFramework client) {
            this.curator = Objects.requireNonNull(client, "curator == null");
            return this;
        }

        /**
         * Settings for a client the watcher builds, starts and closes. Needed only for services
         * discovered in ZooKeeper; without such a service no client is built.
         */
        public Builder zooKeeper(ZooKeeperSettings settings) {
            this.zooKeeper = Objects.requireNonNull(settings, "zooKeeper == null");
            return this;
        }

        /** A service to watch; at least one is required, and names must be unique. */
        public Builder service(WatchedService service) {
            this.services.add(Objects.requireNonNull(service, "service == null"));
            return this;
        }

        /** An output; any number, each on its own thread. Default none. */
        public Builder output(SnapshotOutput output) {
            this.outputs.add(Objects.requireNonNull(output, "output == null"));
            return this;
        }

        /** A listener for refusals, state changes and output failures. Default none. */
        public Builder listener(SynapseListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener == null"));
            return this;
        }

        /** Where to keep the last known backends. Default none. */
        public Builder stateFile(Path path) {
            this.stateFile = Objects.requireNonNull(path, "stateFile == null");
            return this;
        }

        /** How old a state file entry may be and still be served. Default 24 hours. */
        public Builder stateFileTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "stateFileTtl == null");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("stateFileTtl must be positive but was " + ttl);
            }
            this.stateFileTtl = ttl;
            return this;
        }

        /** Default {@link DiscoveryMetrics#NOOP}. */
        public Builder metrics(DiscoveryMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics == null");
            return this;
        }

        /** Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock == null");
            return this;
        }

        /**
         * Checks the settings; does no I/O.
         *
         * @throws IllegalArgumentException naming what is missing or wrong
         */
        public SynapseWatcher build() {
            if (services.isEmpty()) {
                throw new IllegalArgumentException("SynapseWatcher needs at least one service");
            }
            Set<String> names = new LinkedHashSet<>();
            for (WatchedService s : services) {
                if (!names.add(s.name())) {
                    throw new IllegalArgumentException("service '" + s.name() + "' is configured twice");
                }
            }
            List<String> inZooKeeper = services.stream().filter(s -> s.method().usesZooKeeper())
                    .map(WatchedService::name).toList();
            CuratorHandle handle = inZooKeeper.isEmpty() ? null : CuratorHandle.of("SynapseWatcher", curator, zooKeeper);
            return new SynapseWatcher(this, handle);
        }
    }
}
