package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.internal.Listeners;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service of a {@link NerveReporter}: wires its {@link CheckRunner} (checks on their own
 * schedule, feeding the {@link HealthStateMachine}) to its {@link RegistrationReconciler} (the
 * only one that calls ZooKeeper), and handles the connection events and the lifecycle. Its threads
 * are {@code smartstack-nerve-<service>-N}: one runs the rounds of checks, one the registration,
 * a pool the checks themselves under their timeouts, and, with a {@link NerveService#ttl()}, one
 * asks for the persistent node's renewals.
 */
final class ServiceReporter {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private final NerveService service;
    private final String name;
    private final CuratorFramework client;
    private final CheckRunner checks;
    private final RegistrationReconciler registration;
    private final ConnectionStateListener connectionListener = this::stateChanged;
    private final ScheduledExecutorService renewals;
    private final DiscoveryMetrics metrics;
    private volatile boolean closing;

    ServiceReporter(NerveService service, CuratorFramework client, Listeners<NerveListener> listeners,
            DiscoveryMetrics metrics, LongSupplier nanoTime) {
        this(service, client, listeners, metrics, nanoTime, null);
    }

    /** With {@code checkPool} null, checks run on a cached pool of this service's named threads. */
    ServiceReporter(NerveService service, CuratorFramework client, Listeners<NerveListener> listeners,
            DiscoveryMetrics metrics, LongSupplier nanoTime, ExecutorService checkPool) {
        this.service = service;
        this.name = service.name();
        this.client = client;
        this.metrics = metrics;
        NamedThreadFactory threads = new NamedThreadFactory("smartstack-nerve-" + name);
        this.registration = new RegistrationReconciler(service, client, listeners, metrics,
                Executors.newSingleThreadExecutor(threads));
        this.checks = new CheckRunner(service, HealthStateMachine.of(service, nanoTime), listeners, metrics,
                Executors.newSingleThreadScheduledExecutor(threads),
                checkPool != null ? checkPool : Executors.newCachedThreadPool(threads), registration::healthy);
        this.renewals = service.ttl().isPresent() ? Executors.newSingleThreadScheduledExecutor(threads) : null;
    }

    String name() {
        return name;
    }

    void start() {
        client.getConnectionStateListenable().addListener(connectionListener);
        checks.start();
        service.ttl().ifPresent(ttl -> {
            // As Ruby Nerve: a random phase first, so that reporters started together spread their writes.
            long period = Math.max(1, ttl.toMillis());
            renewals.scheduleAtFixedRate(registration::renew, 1 + ThreadLocalRandom.current().nextLong(period),
                    period, TimeUnit.MILLISECONDS);
        });
        log.info("nerve '{}' started: {} at {} every {} ms", name, service.instanceId(), service.nodePrefix(),
                service.checkInterval().toMillis());
    }

    String registeredPath() {
        return registration.path();
    }

    void maintenance(boolean on) {
        if (registration.maintenance(on)) {
            log.info("nerve '{}' maintenance {}", name, on ? "on: taking it out of rotation" : "off");
        }
    }

    /** New data for this service's registration; the instance id must stay the same. */
    void update(ServiceInstance instance) {
        Objects.requireNonNull(instance, "instance == null");
        if (!instance.name().equals(service.instanceId())) {
            throw new IllegalArgumentException("instance name must be " + Validation.quote(service.instanceId())
                    + " (the instanceId of service " + Validation.quote(name) + ") but was "
                    + Validation.quote(instance.name()));
        }
        log.info("nerve '{}' data changed to {}", name, instance);
        registration.instance(instance);
    }

    /** Stops the checks and deletes the registration, waiting at most {@code bound}. */
    void deregisterForClose(Duration bound) {
        closing = true;
        client.getConnectionStateListenable().removeListener(connectionListener);
        checks.stop();
        if (renewals != null) {
            renewals.shutdownNow();
        }
        Future<?> f;
        try {
            f = registration.closeAndDeregister();
        } catch (RejectedExecutionException e) {
            return;
        }
        try {
            f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("nerve '{}' could not deregister {} in {} ms; {}", name, registration.path(), bound.toMillis(),
                    service.nodeType().persistent() ? "a persistent node stays until a reaper deletes it"
                            : "it goes when the session ends");
        }
    }

    void shutdown() {
        checks.stop();
        if (renewals != null) {
            renewals.shutdownNow();
        }
        registration.shutdown();
    }

    private void stateChanged(CuratorFramework c, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> log.warn("nerve '{}' lost its ZooKeeper connection; keeping {} while the session lasts;"
                    + " checks go on", name, registration.path());
            case LOST -> {
                metrics.increment(DiscoveryMetrics.NERVE_SESSION_EXPIRED, name, "");
                log.warn("nerve '{}' lost its ZooKeeper session; will register again on reconnection"
                        + " if the checks still pass", name);
            }
            case RECONNECTED -> log.info("nerve '{}' reconnected to ZooKeeper", name);
            default -> {
            }
        }
        if (state.isConnected() && !closing) {
            registration.nudge();
        }
    }
}
