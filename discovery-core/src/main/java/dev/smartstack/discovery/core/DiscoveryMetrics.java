package dev.smartstack.discovery.core;

import java.time.Duration;

/**
 * Where the components report what they count and time. The default does nothing;
 * {@link #micrometer(Object)} reports to a Micrometer {@code MeterRegistry} (Micrometer is an
 * optional dependency), and {@link CountingMetrics} keeps counts in memory.
 *
 * <p>Implementations must be thread-safe and quick: they are called on the threads that watch and
 * report.
 */
public interface DiscoveryMetrics {

    /** A znode was refused because its data was malformed or unsafe. Tags: service, reason. */
    String ZNODE_REFUSED = "smartstack.synapse.znode.refused";
    /** A snapshot was published. Tag: service. */
    String SNAPSHOT_PUBLISHED = "smartstack.synapse.snapshot";
    /** Time from a ZooKeeper event to a snapshot reaching an output. Tag: service. */
    String SNAPSHOT_LATENCY = "smartstack.synapse.snapshot.latency";
    /** A registration was created. Tag: service. */
    String REGISTERED = "smartstack.nerve.registered";
    /** A registration was removed. Tag: service. */
    String DEREGISTERED = "smartstack.nerve.deregistered";
    /** A health check round failed. Tag: service. */
    String CHECK_FAILED = "smartstack.nerve.check.failed";
    /** HAProxy was reloaded. Tag: reason. */
    String HAPROXY_RELOAD = "smartstack.haproxy.reload";
    /** A runtime API command was sent to HAProxy. Tag: the command's verb. */
    String HAPROXY_RUNTIME_COMMAND = "smartstack.haproxy.runtime.command";
    /** A candidate HAProxy config failed validation. Tag: service or "config". */
    String HAPROXY_INVALID_CONFIG = "smartstack.haproxy.config.invalid";

    /** Does nothing. */
    DiscoveryMetrics NOOP = new DiscoveryMetrics() {
        @Override
        public void increment(String metric, String service, String detail) {
        }

        @Override
        public void record(String metric, String service, Duration duration) {
        }
    };

    /** Adds one to a counter. {@code detail} is a short, bounded tag such as a reason; may be empty. */
    void increment(String metric, String service, String detail);

    /** Records one timing. */
    void record(String metric, String service, Duration duration);

    /**
     * Reports to a Micrometer {@code MeterRegistry}. The parameter is typed {@code Object} so that
     * this interface loads without Micrometer on the class path.
     *
     * @throws IllegalArgumentException when {@code meterRegistry} is not a MeterRegistry
     */
    static DiscoveryMetrics micrometer(Object meterRegistry) {
        return MicrometerMetrics.of(meterRegistry);
    }
}
