package dev.smartstack.discovery.smartstack;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.CuratorHandle;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.synapse.ServiceProvider;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import dev.smartstack.discovery.synapse.SynapseListener;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SmartStack in one object: this service's registration ({@link NerveReporter}) and the watches
 * of the services it calls ({@link SynapseWatcher}) with their outputs, on one ZooKeeper
 * connection.
 *
 * <p>Every discovered service gets an in-process {@link ServiceProvider} ({@link #provider}); add
 * a {@code HaproxyOutput} with {@link Builder#output} to get a local HAProxy as well (the caller
 * builds, starts and closes such an output: before {@link #start()} and after {@link #close()}).
 *
 * <p>{@link #start()} starts the client (if owned), then the watcher, then the reporter: the
 * service is advertised only once it can see its dependencies' registry. {@link #close()} works in
 * the reverse order: it deregisters this service and waits the drain delay while the outputs still
 * route its outgoing calls, then stops the watcher (its providers, the outputs this object built,
 * have nothing left to close), then closes the client if this object built it.
 */
public final class SmartStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmartStack.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorHandle handle;
    private final NerveReporter nerve;
    private final SynapseWatcher synapse;
    private final Map<String, ServiceProvider> providers;
    /** Counted down once per provider when it has taken its first snapshot. */
    private final CountDownLatch providersReady;

    private SmartStack(Builder b, CuratorHandle handle) {
        this.handle = handle;
        CuratorFramework client = handle.client();
        if (b.registrations.isEmpty()) {
            this.nerve = null;
        } else {
            NerveReporter.Builder nb = NerveReporter.builder().curator(client).drainDelay(b.drainDelay)
                    .metrics(b.metrics);
            b.registrations.forEach(nb::service);
            b.nerveListeners.forEach(nb::listener);
            this.nerve = nb.build();
        }
        Map<String, ServiceProvider> p = new LinkedHashMap<>();
        this.providersReady = new CountDownLatch(b.discoveries.size());
        if (b.discoveries.isEmpty()) {
            this.synapse = null;
        } else {
            SynapseWatcher.Builder sb = SynapseWatcher.builder().curator(client).metrics(b.metrics);
            for (WatchedService w : b.discoveries) {
                sb.service(w);
                ServiceProvider provider = ServiceProvider.builder().service(w.name()).strategy(b.strategy).build();
                p.put(w.name(), provider);
                sb.output(new FirstSnapshotSignal(provider, providersReady));
            }
            b.outputs.forEach(sb::output);
            b.synapseListeners.forEach(sb::listener);
            if (b.stateFile != null) {
                sb.stateFile(b.stateFile);
            }
            this.synapse = sb.build();
        }
        this.providers = Collections.unmodifiableMap(p);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the client (if owned), the watcher and the reporter. Does not wait for ZooKeeper: see
     * {@link #awaitReady(Duration)}.
     *
     * @throws IllegalStateException if already started or closed
     */
    public SmartStack start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("SmartStack cannot be started: it is " + state.get());
        }
        handle.start();
        if (synapse != null) {
            synapse.start();
        }
        if (nerve != null) {
            nerve.start();
        }
        log.info("smartstack started: registering {}, discovering {}",
                nerve == null ? "nothing" : "services", providers.keySet());
        return this;
    }

    /**
     * Waits until every discovered service has its first snapshot (from ZooKeeper or the state
     * file) and every {@link #provider provider} has taken it, so that {@code provider(s).next()}
     * sees the backends found so far. True at once when nothing is discovered; false on timeout.
     */
    public boolean awaitReady(Duration timeout) {
        if (synapse == null) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!synapse.awaitInitialized(timeout)) {
            return false;
        }
        try {
            return providersReady.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The in-process provider of a discovered service.
     *
     * @throws IllegalArgumentException when {@code service} is not discovered
     */
    public ServiceProvider provider(String service) {
        ServiceProvider p = providers.get(service);
        if (p == null) {
            throw new IllegalArgumentException("service '" + service + "' is not discovered; discovered: "
                    + providers.keySet());
        }
        return p;
    }

    /** The reporter, when this stack registers anything. */
    public Optional<NerveReporter> nerve() {
        return Optional.ofNullable(nerve);
    }

    /** The watcher, when this stack discovers anything. */
    public Optional<SynapseWatcher> synapse() {
        return Optional.ofNullable(synapse);
    }

    /** The shared ZooKeeper client. */
    public CuratorFramework curator() {
        return handle.client();
    }

    /**
     * Takes every registration of this stack out of rotation ({@code true}) or puts it back.
     *
     * @throws IllegalStateException when this stack registers nothing
     */
    public void maintenance(boolean on) {
        if (nerve == null) {
            throw new IllegalStateException("this SmartStack registers no service");
        }
        nerve.maintenance(on);
    }

    /**
     * Deregisters and drains, then stops the watcher, then closes the client if it is owned.
     * Outputs given to {@link Builder#output} are the caller's and are left alone. Calling it twice
     * is harmless.
     */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        try {
            if (nerve != null && previous == State.STARTED) {
                nerve.close();
            }
        } finally {
            try {
                if (synapse != null && previous == State.STARTED) {
                    synapse.close();
                }
            } finally {
                handle.close();
                log.info("smartstack closed");
            }
        }
    }

    /** A provider as an output, counting down a latch once it has taken its first snapshot. */
    private static final class FirstSnapshotSignal implements SnapshotOutput {
        private final ServiceProvider provider;
        private final CountDownLatch ready;
        private final AtomicBoolean signalled = new AtomicBoolean();

        FirstSnapshotSignal(ServiceProvider provider, CountDownLatch ready) {
            this.provider = provider;
            this.ready = ready;
        }

        @Override
        public void update(ServiceSnapshot snapshot) {
            try {
                provider.update(snapshot);
            } finally {
                if (snapshot.service().equals(provider.service()) && signalled.compareAndSet(false, true)) {
                    ready.countDown();
                }
            }
        }

        @Override
        public String toString() {
            return provider.toString();
        }
    }

    /** Builds a {@link SmartStack}. */
    public static final class Builder {
        private CuratorFramework curator;
        private ZooKeeperSettings settings;
        private final List<NerveService> registrations = new ArrayList<>();
        private final List<WatchedService> discoveries = new ArrayList<>();
        private final List<SnapshotOutput> outputs = new ArrayList<>();
        private final List<NerveListener> nerveListeners = new ArrayList<>();
        private final List<SynapseListener> synapseListeners = new ArrayList<>();
        private ServiceProvider.Strategy strategy = ServiceProvider.Strategy.ROUND_ROBIN;
        private Duration drainDelay = Duration.ZERO;
        private Path stateFile;
        private DiscoveryMetrics metrics = DiscoveryMetrics.NOOP;

        private Builder() {
        }

        /** A client the caller owns: it must be started by the caller and is never closed here. */
        public Builder curator(CuratorFramework curator) {
            this.curator = Objects.requireNonNull(curator, "curator == null");
            return this;
        }

        /** Settings from which this stack builds, starts and closes its own client. */
        public Builder zooKeeper(ZooKeeperSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings == null");
            return this;
        }

        /** As {@link #zooKeeper(ZooKeeperSettings)} with default settings. */
        public Builder zooKeeper(String connectString) {
            return zooKeeper(ZooKeeperSettings.of(connectString));
        }

        /** Registers this service while its checks pass. Repeatable. */
        public Builder register(NerveService service) {
            registrations.add(Objects.requireNonNull(service, "service == null"));
            return this;
        }

        /** Watches a service this application calls. Repeatable. */
        public Builder discover(WatchedService service) {
            discoveries.add(Objects.requireNonNull(service, "service == null"));
            return this;
        }

        /** Watches a service registered by Nerve under {@code path}. */
        public Builder discover(String service, String path) {
            return discover(WatchedService.builder().name(service).path(path).build());
        }

        /**
         * Another output of the watcher, for example a {@code HaproxyOutput} or a {@code FileOutput}.
         * It stays the caller's: start it before {@link SmartStack#start()}, close it after
         * {@link SmartStack#close()}.
         */
        public Builder output(SnapshotOutput output) {
            outputs.add(Objects.requireNonNull(output, "output == null"));
            return this;
        }

        /** The strategy of every {@link ServiceProvider}. Default round-robin. */
        public Builder providerStrategy(ServiceProvider.Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy == null");
            return this;
        }

        /** How long {@link SmartStack#close()} waits after deregistering. Default zero. */
        public Builder drainDelay(Duration drainDelay) {
            this.drainDelay = Objects.requireNonNull(drainDelay, "drainDelay == null");
            return this;
        }

        /** Where the watcher remembers backends, to start from when ZooKeeper is down. Default none. */
        public Builder stateFile(Path stateFile) {
            this.stateFile = Objects.requireNonNull(stateFile, "stateFile == null");
            return this;
        }

        public Builder nerveListener(NerveListener listener) {
            nerveListeners.add(Objects.requireNonNull(listener, "listener == null"));
            return this;
        }

        public Builder synapseListener(SynapseListener listener) {
            synapseListeners.add(Objects.requireNonNull(listener, "listener == null"));
            return this;
        }

        /** Default {@link DiscoveryMetrics#NOOP}. */
        public Builder metrics(DiscoveryMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics == null");
            return this;
        }

        /**
         * Checks the settings; does no I/O.
         *
         * @throws IllegalArgumentException when there is no ZooKeeper connection, or nothing to
         *     register or discover
         */
        public SmartStack build() {
            if (registrations.isEmpty() && discoveries.isEmpty()) {
                throw new IllegalArgumentException("SmartStack needs at least one register(...) or discover(...)");
            }
            if (!outputs.isEmpty() && discoveries.isEmpty()) {
                throw new IllegalArgumentException("outputs were given but no service is discovered");
            }
            return new SmartStack(this, CuratorHandle.of("SmartStack", curator, settings));
        }
    }
}
