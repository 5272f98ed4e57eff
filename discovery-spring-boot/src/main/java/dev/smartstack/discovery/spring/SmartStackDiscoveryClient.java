package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud's {@link DiscoveryClient} on SmartStack's watchers: what Spring Cloud LoadBalancer
 * and {@code @LoadBalanced} clients choose from. Instances are the watcher's current backends
 * (already without refused znodes, and without Spring Cloud Zookeeper instances marked
 * {@code OUT_OF_SERVICE}); their metadata is the Nerve labels, plus {@code weight} when set.
 */
final class SmartStackDiscoveryClient implements DiscoveryClient {
    /** The metadata key of Nerve's weight. */
    static final String WEIGHT = "weight";

    private final DiscoveryWatchers watchers;

    SmartStackDiscoveryClient(DiscoveryWatchers watchers) {
        this.watchers = watchers;
    }

    @Override
    public String description() {
        return "SmartStack (ZooKeeper) discovery client";
    }

    @Override
    public List<org.springframework.cloud.client.ServiceInstance> getInstances(String serviceId) {
        List<ServiceInstance> backends = watchers.instances(serviceId);
        List<org.springframework.cloud.client.ServiceInstance> out = new ArrayList<>(backends.size());
        for (ServiceInstance b : backends) {
            out.add(toSpring(serviceId, b));
        }
        return out;
    }

    static org.springframework.cloud.client.ServiceInstance toSpring(String serviceId, ServiceInstance b) {
        Map<String, String> metadata = new LinkedHashMap<>(b.labels());
        b.weight().ifPresent(w -> metadata.put(WEIGHT, Integer.toString(w)));
        return new DefaultServiceInstance(b.key(), serviceId, b.host(), b.port(), false, metadata);
    }

    @Override
    public List<String> getServices() {
        return List.copyOf(watchers.services());
    }
}
