package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZnodeDecoder;
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
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link SynapseWatcher} per discovered service, on the shared connection. The services named
 * in {@code smartstack.discovery.services} are watched from start-up; any other service is watched
 * from its first lookup on (Spring Cloud LoadBalancer looks services up by the host name of the
 * URL), at {@code smartstack.discovery.path-template}. The first lookup waits up to
 * {@code initial-load-timeout} for the registrations to be read. Closed with the context, after
 * the web server has stopped, so outgoing calls made while draining are still routed.
 */
final class DiscoveryWatchers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiscoveryWatchers.class);

    private final ZooKeeperConnection connection;
    private final SmartStackProperties.Discovery properties;
    private final DiscoveryMetrics metrics;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, SynapseWatcher> watchers = new ConcurrentHashMap<>();
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
        return new TreeSet<>(watchers.keySet());
    }

    /** Each watched service's watcher state, by service name. */
    Map<String, SynapseWatcher.State> states() {
        Map<String, SynapseWatcher.State> m = new LinkedHashMap<>();
        new TreeSet<>(watchers.keySet()).forEach(s -> m.put(s, watchers.get(s).state()));
        return m;
    }

    private SynapseWatcher watcher(String service) {
        SynapseWatcher w = watchers.get(service);
        if (w != null) {
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
        if (!w.awaitInitialized(properties.getInitialLoadTimeout())) {
            log.warn("smartstack '{}': registrations not read within {} ms; serving what is known",
                    service, properties.getInitialLoadTimeout().toMillis());
        }
        return w;
    }

    private SynapseWatcher watched(String service) {
        if (closed) {
            throw new IllegalStateException("smartstack discovery is closed");
        }
        // Built and started at most once per service; start() does not wait for ZooKeeper.
        return watchers.computeIfAbsent(service, this::startWatcher);
    }

    private SynapseWatcher startWatcher(String service) {
        SmartStackProperties.Service own = properties.getServices().get(service);
        String path = own != null && own.getPath() != null ? own.getPath()
                : properties.getPathTemplate().replace("{service}", service);
        String decode = own != null && own.getDecode() != null ? own.getDecode() : properties.getDecode();
        WatchedService watched = WatchedService.builder()
                .name(service)
                .path(path)
                .decoder(ZnodeDecoder.forMethod(decode, null))
                .usePreviousBackends(properties.isUsePreviousBackends())
                .build();
        SynapseWatcher w = SynapseWatcher.builder()
                .curator(connection.client())
                .service(watched)
                .metrics(metrics)
                .build()
                .start();
        log.info("smartstack discovers '{}' at {} ({})", service, path, decode);
        if (meters != null) {
            Gauge.builder(INSTANCES_GAUGE, w, watcher -> watcher.snapshot(service).backends().size())
                    .tag("service", service)
                    .description("backends of a service discovered through SmartStack")
                    .register(meters);
        }
        return w;
    }

    @Override
    public void close() {
        closed = true;
        watchers.values().forEach(SynapseWatcher::close);
    }
}
