package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZnodeDecoder;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link SynapseWatcher} for every discovered service, on the shared connection. The services
 * named in {@code smartstack.discovery.services} are watched from start-up; any other service is
 * added to the watcher at its first lookup (Spring Cloud LoadBalancer looks services up by the host
 * name of the URL), at {@code smartstack.discovery.path-template}. The first lookup waits up to
 * {@code initial-load-timeout} for the registrations to be read. Closed with the context, after
 * the web server has stopped, so outgoing calls made while draining are still routed.
 */
final class DiscoveryWatchers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiscoveryWatchers.class);

    private final ZooKeeperConnection connection;
    private final SmartStackProperties.Discovery properties;
    private final DiscoveryMetrics metrics;
    private final MeterRegistry meters;
    /** Built with the first service, then services are added to it. */
    private final AtomicReference<SynapseWatcher> watcher = new AtomicReference<>();
    private final Set<String> refusedNames = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** The gauge of backends per discovered service, tagged {@code service}. */
    static final String INSTANCES_GAUGE = "smartstack.discovery.instances";

    /**
     * @param meters where the {@value #INSTANCES_GAUGE} gauge goes, or null
     */
    DiscoveryWatchers(ZooKeeperConnection connection, SmartStackProperties.Discovery properties, DiscoveryMetrics metrics,
            MeterRegistry meters) {
        this.connection = connection;
        this.properties = properties;
        this.metrics = metrics;
        this.meters = meters;
        for (String service : properties.getServices().keySet()) {
            watched(service);
        }
    }

    /** The current backends of {@code service}, watching it from now on if it was not yet; empty for a name that cannot be a service. */
    List<ServiceInstance> instances(String service) {
        SynapseWatcher w = watcher(service);
        return w == null ? List.of() : w.snapshot(service).backends();
    }

    /** The services watched so far, sorted. */
    Set<String> services() {
        SynapseWatcher w = watcher.get();
        return w == null ? new TreeSet<>() : new TreeSet<>(w.services());
    }

    /**
     * Each watched service's state, by service name: {@code LIVE} when its view is live,
     * {@code STALE} when it serves its last known backends, {@code STARTING} before its first read.
     */
    Map<String, SynapseWatcher.State> states() {
        Map<String, SynapseWatcher.State> m = new LinkedHashMap<>();
        SynapseWatcher w = watcher.get();
        if (w != null) {
            for (String s : new TreeSet<>(w.services())) {
                ServiceSnapshot snapshot = w.snapshot(s);
                m.put(s, snapshot.live() ? SynapseWatcher.State.LIVE
                        : snapshot.version() > 0 ? SynapseWatcher.State.STALE : SynapseWatcher.State.STARTING);
            }
        }
        return m;
    }

    private SynapseWatcher watcher(String service) {
        SynapseWatcher w = watcher.get();
        if (w != null && w.services().contains(service)) {
            return w;
        }
        try {
            w = watched(service);
        } catch (IllegalArgumentException e) {
            if (refusedNames.size() < 1000 && refusedNames.add(service)) {
                log.warn("smartstack cannot discover {}: {}", Validation.quote(service), e.getMessage());
            }
            return null;
        }
        if (!w.awaitInitialized(service, properties.getInitialLoadTimeout())) {
            log.warn("smartstack '{}': registrations not read within {} ms; serving what is known",
                    service, properties.getInitialLoadTimeout().toMillis());
        }
        return w;
    }

    /** The watcher, watching {@code service} (added at most once; start() and addService do not wait for ZooKeeper). */
    private SynapseWatcher watched(String service) {
        if (closed) {
            throw new IllegalStateException("smartstack discovery is closed");
        }
        WatchedService watched = watchedService(service);
        SynapseWatcher w = watcher.get();
        if (w == null) {
            w = created(watched);
        }
        if (!w.services().contains(service)) {
            try {
                w.addService(watched);
                discovered(w, watched);
            } catch (IllegalArgumentException alreadyWatched) {
                // Another thread added it first.
            }
        }
        return w;
    }

    /**
     * The watcher, built and started with {@code first} unless another thread did it first. Under
     * the lock only so that no thread sees a watcher that is not started yet; start() does no
     * blocking I/O (it never waits for ZooKeeper).
     */
    private synchronized SynapseWatcher created(WatchedService first) {
        SynapseWatcher w = watcher.get();
        if (w == null) {
            w = SynapseWatcher.builder()
                    .curator(connection.client())
                    .service(first)
                    .metrics(metrics)
                    .build()
                    .start();
            watcher.set(w);
            if (closed) { // close() ran meanwhile and may not have seen it
                w.close();
                throw new IllegalStateException("smartstack discovery is closed");
            }
            discovered(w, first);
        }
        return w;
    }

    private WatchedService watchedService(String service) {
        SmartStackProperties.Service own = properties.getServices().get(service);
        String path = own != null && own.getPath() != null ? own.getPath()
                : properties.getPathTemplate().replace("{service}", service);
        String decode = own != null && own.getDecode() != null ? own.getDecode() : properties.getDecode();
        return WatchedService.builder()
                .name(service)
                .path(path)
                .decoder(ZnodeDecoder.forMethod(decode, null))
                .usePreviousBackends(properties.isUsePreviousBackends())
                .build();
    }

    private void discovered(SynapseWatcher w, WatchedService watched) {
        String service = watched.name();
        log.info("smartstack discovers '{}' at {}", service, watched.path());
        if (meters != null) {
            Gauge.builder(INSTANCES_GAUGE, w, x -> x.snapshot(service).backends().size())
                    .tag("service", service)
                    .description("backends of a service discovered through SmartStack")
                    .register(meters);
        }
    }

    @Override
    public void close() {
        closed = true;
        SynapseWatcher w = watcher.get();
        if (w != null) {
            w.close();
        }
    }
}
