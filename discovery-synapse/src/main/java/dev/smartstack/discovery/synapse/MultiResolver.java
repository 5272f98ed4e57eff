package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@code multi} service's watchers combine (Ruby's {@code union} and {@code sequential}
 * resolvers), as pure functions of what each watcher last reported. A backend's znode name is
 * dropped, so that two registries' children with the same name stay two backends, and equal
 * backends (same name, host and port, as Ruby compares them) count once.
 */
final class MultiResolver {
    /**
     * What one watcher last reported.
     *
     * @param name the watcher's name
     * @param backends its backends (empty before its first snapshot)
     * @param live whether its view is live; false before its first snapshot
     */
    record Child(String name, List<ServiceInstance> backends, boolean live) {
    }

    /**
     * The combined view.
     *
     * @param backends the service's discovered backends
     * @param live whether the combined view is live
     * @param chosen the watcher whose backends these are (sequential), or null (union)
     */
    record Resolution(List<ServiceInstance> backends, boolean live, String chosen) {
    }

    private MultiResolver() {
    }

    static Resolution resolve(MultiDiscovery.Resolver resolver, List<Child> inOrder) {
        return resolver == MultiDiscovery.Resolver.UNION ? union(inOrder) : sequential(inOrder);
    }

    /** Every watcher's backends, the first of equal ones kept; live when any watcher is (Ruby's healthy?). */
    static Resolution union(List<Child> children) {
        Map<String, ServiceInstance> merged = new LinkedHashMap<>();
        boolean live = false;
        for (Child c : children) {
            live |= c.live();
            for (ServiceInstance i : c.backends()) {
                ServiceInstance plain = plain(i);
                merged.putIfAbsent(plain.key(), plain);
            }
        }
        return new Resolution(List.copyOf(merged.values()), live, null);
    }

    /**
     * The first watcher, in order, that is live and has backends; when none is, the first watcher
     * (Ruby falls back to {@code sequential_order[0]}).
     */
    static Resolution sequential(List<Child> inOrder) {
        Child chosen = inOrder.get(0);
        for (Child c : inOrder) {
            if (c.live() && !c.backends().isEmpty()) {
                chosen = c;
                break;
            }
        }
        List<ServiceInstance> backends = new ArrayList<>(chosen.backends().size());
        for (ServiceInstance i : chosen.backends()) {
            backends.add(plain(i));
        }
        return new Resolution(List.copyOf(backends), chosen.live(), chosen.name());
    }

    private static ServiceInstance plain(ServiceInstance i) {
        return i.znodeName().isPresent() ? i.withZnodeName(null) : i;
    }
}
