package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.Validation;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** The proxy names of the configured services: one token each (core {@link Validation}), and unique. */
final class HaproxyNames {
    private HaproxyNames() {
    }

    /** The frontend is named after the service, the backend after {@code backend_name}. */
    static void requireProxyNames(String service, HaproxyService config) {
        Validation.requireProxyName("service name", service);
        if (config.backendName() != null) {
            Validation.requireProxyName("backend_name of service '" + service + "'", config.backendName());
        }
    }

    /**
     * Two services may not share a backend: HAProxy would refuse the config.
     *
     * @throws IllegalArgumentException {@code backend_name 'b' of service 'y' is already used by service 'x'}
     */
    static void requireUniqueBackendNames(Map<String, HaproxyService> services) {
        Map<String, String> owners = new HashMap<>();
        for (Map.Entry<String, HaproxyService> e : new TreeMap<>(services).entrySet()) {
            String backend = DesiredService.backendName(e.getKey(), e.getValue());
            String owner = owners.putIfAbsent(backend, e.getKey());
            if (owner != null) {
                throw new IllegalArgumentException("backend_name '" + backend + "' of service '" + e.getKey()
                        + "' is already used by service '" + owner + "'");
            }
        }
    }
}
