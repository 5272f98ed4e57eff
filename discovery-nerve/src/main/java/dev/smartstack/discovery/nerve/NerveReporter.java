package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.CuratorHandle;
import dev.smartstack.discovery.core.internal.Listeners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health-checks services and registers each in ZooKeeper while it is up, exactly as Ruby Nerve
 * does: an ephemeral (by default sequential) znode {@code <zk_path>/<instance_id>_NNNNNNNNNN}
 * holding {@code {"host","port","name",...}}.
 *
 * <pre>{@code
 * NerveReporter nerve = NerveReporter.builder()
 *         .zooKeeper(ZooKeeperSettings.of("127.0.0.1:2181"))
 *         .service(NerveService.builder()
 *                 .name("web").instanceId("web-1").host("10.0.0.5").port(8080)
 *                 .zkPath("/nerve/services/web/services")
 *                 .check(() -> ready ? HealthResult.ok() : HealthResult.unhealthy("warming up"))
 *                 .build())
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p>The lifecycle: after {@code rise} consecutive passes the service is registered; after
 * {@code fall} consecutive failures its znode is deleted. A short disconnect (within the session)
 * leaves the znode alone. After the session expires, the service is registered again with its
 * current data once a new session exists, and any node of this instance left by one of our earlier
 * sessions (or by a create whose response was lost) is deleted, so exactly one node remains. When
 * ZooKeeper is down at start-up, the service is registered as soon as it is reachable.
 * {@link #close()} deregisters every service, waits the drain delay, then stops its threads and
 * closes the client if it owns it.
 *
 * <p>Checks never wait for ZooKeeper. Each service has its own daemon threads
 * {@code smartstack-nerve-<service>-N}: one runs the rounds of checks every {@code checkInterval},
 * whether ZooKeeper is there or not; another makes every ZooKeeper call and always converges the
 * registration to the latest check result, so an instance that went down while ZooKeeper was
 * away is not registered when it returns, and one that came up meanwhile is registered as soon as
 * it does; a pool runs the checks themselves under their timeouts.
 */
public final class NerveReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorHandle handle;
    private final Map<String, ServiceReporter> reporters;
    private final Duration drainDelay;
    private final Duration deregisterTimeout;

    private NerveReporter(Builder b, CuratorHandle handle) {
        this.handle = handle;
        Listeners<NerveListener> listeners = new Listeners<>();
        listeners.addAll(b.listeners);
        Map<String, ServiceReporter> map = new LinkedHashMap<>();
        for (NerveService s : b.services) {
            map.put(s.name(), new ServiceReporter(s, handle.client(), listeners, b.metrics, System::nanoTime));
        }
        this.reporters = map;
        this.drainDelay = b.drainDelay;
        this.deregisterTimeout = b.deregisterTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the client (if owned) and the checks. Does not wait for ZooKeeper.
     *
     * @throws IllegalStateException if already started or closed
     */
    public NerveReporter start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("NerveReporter can be started only once; it is " + state.get());
        }
        if (!handle.isOwned() && handle.client().getState() == CuratorFrameworkState.LATENT) {
            state.set(State.CLOSED);
            throw new IllegalStateException("the CuratorFramework passed to curator() must be started");
        }
        handle.start();
        reporters.values().forEach(ServiceReporter::start);
        return this;
    }

    /** Takes every service out of rotation ({@code true}) or puts the healthy ones back ({@code false}). */
    public void maintenance(boolean on) {
        reporters.values().forEach(r -> r.maintenance(on));
    }

    /**
     * Takes one service out of rotation (its znode is deleted, its checks keep running) or puts it
     * back (registered again if it is up).
     *
     * @throws IllegalArgumentException if there is no such service
     */
    public void maintenance(String service, boolean on) {
        reporter(service).maintenance(on);
    }

    /**
     * Changes what a service advertises (host, port, weight, labels, {@code haproxy_server_options})
     * while it runs. A registered node gets the new data at once: in place, or, with path encoding,
     * as a new node under its new name, created before the old one is deleted so that the instance
     * always has a node.
     *
     * @param instance the new data; its name must be the service's instance id
     * @throws IllegalArgumentException if there is no such service or the name differs
     */
    public void update(String service, ServiceInstance instance) {
        reporter(service).update(instance);
    }

    /** Whether the service's znode currently exists, as far as this reporter knows. */
    public boolean isRegistered(String service) {
        return reporter(service).registeredPath() != null;
    }

    /** The full path of the service's znode while it is registered. */
    public Optional<String> registeredPath(String service) {
        return Optional.ofNullable(reporter(service).registeredPath());
    }

    private ServiceReporter reporter(String service) {
        Objects.requireNonNull(service, "service == null");
        ServiceReporter r = reporters.get(service);
        if (r == null) {
            throw new IllegalArgumentException("no service named " + dev.smartstack.discovery.core.Validation.quote(service)
                    + "; known: " + reporters.keySet());
        }
        return r;
    }

    /**
     * Deregisters every service, waits the drain delay, stops the threads and closes the client if
     * this reporter built it. Calling it again does nothing.
     */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        if (previous == State.STARTED) {
            reporters.values().forEach(r -> r.deregisterForClose(deregisterTimeout));
            if (!drainDelay.isZero()) {
                log.info("nerve draining for {} ms", drainDelay.toMillis());
                try {
                    Thread.sleep(drainDelay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            reporters.values().forEach(ServiceReporter::shutdown);
        }
        handle.close();
        log.info("nerve closed: {}", reporters.keySet());
    }

    /** Builds a {@link NerveReporter}. Required: a ZooKeeper connection and at least one service. */
    public static final class Builder {
        private CuratorFramework curator;
        private ZooKeeperSettings settings;
        private final List<NerveService> services = new ArrayList<>();
        private final List<NerveListener> listeners = new ArrayList<>();
        private Duration drainDelay = Duration.ZERO;
        private Duration deregisterTimeout = Duration.ofSeconds(10);
        private DiscoveryMetrics metrics = DiscoveryMetrics.NOOP;

        private Builder() {
        }

        /** A started client that the caller owns; it is never closed by the reporter. */
        public Builder curator(CuratorFramework curator) {
            this.curator = Objects.requireNonNull(curator, "curator == null");
            return this;
        }

        /** Settings from which the reporter builds, starts and closes its own client. */
        public Builder zooKeeper(ZooKeeperSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings == null");
            return this;
        }

        /** Adds a service; at least one is required, and names must be unique. */
        public Builder service(NerveService service) {
            services.add(Objects.requireNonNull(service, "service == null"));
            return this;
        }

        /** Adds a listener. Default none. */
        public Builder listener(NerveListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener == null"));
            return this;
        }

        /** How long {@link #close()} waits between deregistering and stopping. Default 0. */
        public Builder drainDelay(Duration drainDelay) {
            Objects.requireNonNull(drainDelay, "drainDelay == null");
            if (drainDelay.isNegative()) {
                throw new IllegalArgumentException("drainDelay must not be negative but was " + drainDelay);
            }
            this.drainDelay = drainDelay;
            return this;
        }

        /** How long {@link #close()} waits for each service's deregistration. Default 10 s. */
        public Builder deregisterTimeout(Duration deregisterTimeout) {
            Objects.requireNonNull(deregisterTimeout, "deregisterTimeout == null");
            if (deregisterTimeout.isNegative() || deregisterTimeout.isZero()) {
                throw new IllegalArgumentException("deregisterTimeout must be positive but was " + deregisterTimeout);
            }
            this.deregisterTimeout = deregisterTimeout;
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
         * @throws IllegalArgumentException naming what is missing or in conflict
         */
        public NerveReporter build() {
            if (services.isEmpty()) {
                throw new IllegalArgumentException("at least one service is required");
            }
            Map<String, NerveService> byName = new HashMap<>();
            Map<String, NerveService> byPrefix = new HashMap<>();
            for (NerveService s : services) {
                if (byName.put(s.name(), s) != null) {
                    throw new IllegalArgumentException("service names must be unique but \"" + s.name()
                            + "\" appears twice");
                }
                NerveService other = byPrefix.put(s.nodePrefix(), s);
                if (other != null) {
                    throw new IllegalArgumentException("services \"" + other.name() + "\" and \"" + s.name()
                            + "\" register the same node " + s.nodePrefix());
                }
            }
            CuratorHandle h = CuratorHandle.of("NerveReporter", curator, settings);
            return new NerveReporter(this, h);
        }
    }
}
