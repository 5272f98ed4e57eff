package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthResult;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.CompositeReactiveHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.actuate.health.NamedContributors;
import org.springframework.boot.actuate.health.ReactiveHealthContributor;
import org.springframework.boot.actuate.health.ReactiveHealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.actuate.health.StatusAggregator;

/**
 * The registration's check: the application's own Actuator health, read in-process from the
 * health contributor registries (no HTTP poll), aggregated as the health endpoint does. The
 * starter's own indicator is left out, so that losing ZooKeeper, which it reports, does not also
 * take the application out of rotation once ZooKeeper is back. Runs on Nerve's check thread, so a
 * reactive indicator is simply waited for, within the check's timeout.
 */
final class ActuatorHealthCheck implements HealthCheck {
    private final NamedContributors<HealthContributor> registry;
    private final NamedContributors<ReactiveHealthContributor> reactiveRegistry;
    private final StatusAggregator aggregator;
    private final Set<String> excluded;
    private final Duration timeout;

    /**
     * @param reactiveRegistry may be null (a servlet application)
     * @param excluded top-level contributor names to leave out
     */
    ActuatorHealthCheck(NamedContributors<HealthContributor> registry,
            NamedContributors<ReactiveHealthContributor> reactiveRegistry, StatusAggregator aggregator,
            Set<String> excluded, Duration timeout) {
        this.registry = registry;
        this.reactiveRegistry = reactiveRegistry;
        this.aggregator = aggregator;
        this.excluded = Set.copyOf(excluded);
        this.timeout = timeout;
    }

    @Override
    public HealthResult check() {
        Map<String, Status> statuses = new TreeMap<>();
        for (NamedContributor<HealthContributor> c : registry) {
            if (!excluded.contains(c.getName())) {
                collect(c.getName(), c.getContributor(), statuses);
            }
        }
        if (reactiveRegistry != null) {
            for (NamedContributor<ReactiveHealthContributor> c : reactiveRegistry) {
                if (!excluded.contains(c.getName()) && !statuses.containsKey(c.getName())) {
                    collectReactive(c.getName(), c.getContributor(), statuses);
                }
            }
        }
        Status status = statuses.isEmpty() ? Status.UP : aggregator.getAggregateStatus(new HashSet<>(statuses.values()));
        if (Status.UP.equals(status)) {
            return HealthResult.ok();
        }
        StringBuilder why = new StringBuilder("actuator health is ").append(status.getCode()).append(':');
        statuses.forEach((name, s) -> {
            if (!Status.UP.equals(s)) {
                why.append(' ').append(name).append('=').append(s.getCode());
            }
        });
        return HealthResult.unhealthy(why.toString());
    }

    private static void collect(String name, HealthContributor contributor, Map<String, Status> out) {
        if (contributor instanceof HealthIndicator indicator) {
            out.put(name, indicator.getHealth(false).getStatus());
        } else if (contributor instanceof CompositeHealthContributor composite) {
            for (NamedContributor<HealthContributor> c : composite) {
                collect(name + "/" + c.getName(), c.getContributor(), out);
            }
        }
    }

    private void collectReactive(String name, ReactiveHealthContributor contributor, Map<String, Status> out) {
        if (contributor instanceof ReactiveHealthIndicator indicator) {
            var health = indicator.getHealth(false).block(timeout);
            out.put(name, health == null ? Status.UNKNOWN : health.getStatus());
        } else if (contributor instanceof CompositeReactiveHealthContributor composite) {
            for (NamedContributor<ReactiveHealthContributor> c : composite) {
                collectReactive(name + "/" + c.getName(), c.getContributor(), out);
            }
        }
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "actuator health";
    }
}
