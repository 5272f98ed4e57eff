package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.AdminConfig;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * An agent's metrics registry and admin endpoint: with {@code admin} set, a Prometheus registry
 * that every component reports to and an {@link AdminServer} serving it; without, no registry
 * and {@link DiscoveryMetrics#NOOP}. Planned without I/O; {@link #start} binds the port.
 */
final class AgentAdmin implements AutoCloseable {
    private final Optional<AdminConfig> config;
    private final PrometheusMeterRegistry registry;
    private final DiscoveryMetrics metrics;
    private volatile AdminServer server;

    private AgentAdmin(Optional<AdminConfig> config) {
        this.config = config;
        this.registry = config.isPresent() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        this.metrics = registry == null ? DiscoveryMetrics.NOOP : DiscoveryMetrics.micrometer(registry);
    }

    static AgentAdmin of(Optional<AdminConfig> config) {
        return new AgentAdmin(config);
    }

    /** Where the components report. */
    DiscoveryMetrics metrics() {
        return metrics;
    }

    /** The registry, when {@code admin} is set (for gauges the agent itself keeps). */
    Optional<PrometheusMeterRegistry> registry() {
        return Optional.ofNullable(registry);
    }

    /** Starts serving, when {@code admin} is set. */
    void start(Supplier<Object> status, Supplier<Optional<String>> unhealthy) {
        if (config.isPresent()) {
            server = new AdminServer(config.get(), registry, status, unhealthy).start();
        }
    }

    OptionalInt port() {
        AdminServer s = server;
        return s == null ? OptionalInt.empty() : OptionalInt.of(s.port());
    }

    @Override
    public void close() {
        AdminServer s = server;
        if (s != null) {
            s.close();
        } else if (registry != null) {
            registry.close();
        }
    }
}
