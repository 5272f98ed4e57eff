package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.AdminConfig;
import dev.smartstack.discovery.agent.config.StatsdConfig;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import io.micrometer.statsd.StatsdProtocol;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * An agent's metrics: with {@code admin} set, a Prometheus registry served by an
 * {@link AdminServer}; with {@code statsd} set, a StatsD registry sending Datadog-flavoured lines
 * over UDP (as Ruby's Datadog client does); every component reports to both through one composite
 * registry. With neither, {@link DiscoveryMetrics#NOOP}. Planned without I/O; {@link #start} binds
 * the admin port.
 */
final class AgentAdmin implements AutoCloseable {
    private final Optional<AdminConfig> config;
    private final Optional<StatsdConfig> statsd;
    private final CompositeMeterRegistry composite = new CompositeMeterRegistry();
    private final PrometheusMeterRegistry prometheus;
    private volatile StatsdMeterRegistry statsdRegistry;
    private final DiscoveryMetrics metrics;
    private volatile AdminServer server;

    private AgentAdmin(Optional<AdminConfig> config, Optional<StatsdConfig> statsd) {
        this.config = config;
        this.statsd = statsd;
        this.prometheus = config.isPresent() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        if (prometheus != null) {
            composite.add(prometheus);
        }
        this.metrics = config.isEmpty() && statsd.isEmpty() ? DiscoveryMetrics.NOOP : DiscoveryMetrics.micrometer(composite);
    }

    static AgentAdmin of(Optional<AdminConfig> config, Optional<StatsdConfig> statsd) {
        return new AgentAdmin(config, statsd);
    }

    /** Where the components report. */
    DiscoveryMetrics metrics() {
        return metrics;
    }

    /** The registry every meter goes to (with neither admin nor statsd, one that keeps nothing). */
    MeterRegistry registry() {
        return composite;
    }

    /** Starts the StatsD registry and the admin endpoint, each when set. */
    void start(Supplier<Object> status, Supplier<Optional<String>> unhealthy) {
        statsd.ifPresent(s -> {
            StatsdMeterRegistry r = StatsdMeterRegistry.builder(new StatsdSettings(s)).build();
            statsdRegistry = r;
            composite.add(r);
        });
        if (config.isPresent()) {
            server = new AdminServer(config.get(), prometheus, status, unhealthy).start();
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
        }
        StatsdMeterRegistry r = statsdRegistry;
        if (r != null) {
            r.close();
        }
        composite.close();
    }

    /** Micrometer's StatsD settings from {@code statsd}: Datadog lines over UDP, sent as they happen. */
    private record StatsdSettings(StatsdConfig config) implements io.micrometer.statsd.StatsdConfig {
        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public StatsdFlavor flavor() {
            return StatsdFlavor.DATADOG;
        }

        @Override
        public String host() {
            return config.host();
        }

        @Override
        public int port() {
            return config.port();
        }

        @Override
        public StatsdProtocol protocol() {
            return StatsdProtocol.UDP;
        }

        @Override
        public boolean buffered() {
            return false;
        }

        @Override
        public Duration pollingFrequency() {
            return Duration.ofSeconds(10);
        }
    }
}
