package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.synapse.SynapseWatcher;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator's view of SmartStack ({@code smartstack} in {@code /actuator/health}): DOWN while the
 * ZooKeeper connection is lost or a watched service is STALE (serving its last known backends),
 * UP otherwise, with the registration's znode and each watched service's state and backend count
 * as details. The registration's own check leaves this indicator out (see
 * {@link ActuatorHealthCheck}).
 */
final class SmartStackHealthIndicator extends AbstractHealthIndicator {
    /** The contributor name: the bean is {@code smartStackHealthIndicator}. */
    static final String NAME = "smartStack";

    private final ZooKeeperConnection connection;
    private final SmartStackRegistration registration;
    private final DiscoveryWatchers watchers;

    /** registration and watchers may be null when disabled. */
    SmartStackHealthIndicator(ZooKeeperConnection connection, SmartStackRegistration registration,
            DiscoveryWatchers watchers) {
        super("smartstack health check failed");
        this.connection = connection;
        this.registration = registration;
        this.watchers = watchers;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean connected = connection.isConnected();
        boolean stale = false;
        builder.withDetail("zookeeper", connected ? "connected" : "disconnected");
        if (registration != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            registration.registeredService().ifPresent(s -> r.put("service", s.name()));
            r.put("registered", registration.registeredPath().isPresent());
            registration.registeredPath().ifPresent(p -> r.put("znode", p));
            builder.withDetail("registration", r);
        }
        if (watchers != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            for (Map.Entry<String, SynapseWatcher.State> e : watchers.states().entrySet()) {
                stale |= e.getValue() == SynapseWatcher.State.STALE;
                d.put(e.getKey(), Map.of("state", e.getValue().name(),
                        "instances", watchers.instances(e.getKey()).size()));
            }
            builder.withDetail("discovery", d);
        }
        if (connected && !stale) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
