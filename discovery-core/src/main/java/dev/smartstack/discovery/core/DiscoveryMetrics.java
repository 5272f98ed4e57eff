package dev.smartstack.discovery.core;

import java.time.Duration;

/**
 * Where the components report what they count and time. Every counter and timer carries two tags,
 * {@code service} and {@code detail} (a short, bounded value: the reason, the verb, the outcome or
 * the output; empty when there is none). The default does nothing;
 * {@link #micrometer(Object)} reports to a Micrometer {@code MeterRegistry} (Micrometer is an
 * optional dependency), and {@link CountingMetrics} keeps counts in memory.
 *
 * <p>Implementations must be thread-safe and quick: they are called on the threads that watch and
 * report.
 */
public interface DiscoveryMetrics {

    /** A znode was refused because its data was malformed or unsafe. Tags: service, detail (the refused field). */
    String ZNODE_REFUSED = "smartstack.synapse.znode.refused";
    /** A snapshot was published. Tag: service. */
    String SNAPSHOT_PUBLISHED = "smartstack.synapse.snapshot";
    /**
     * Time from the ZooKeeper event to an output's {@code update} returning with the snapshot. Tags:
     * service, detail (the output's {@code outputName()}).
     */
    String SNAPSHOT_LATENCY = "smartstack.synapse.snapshot.latency";
    /**
     * The watcher's ZooKeeper session was lost (expired on the server, or no connection for a whole
     * session timeout, which Curator treats as expired). Tag: service, once per watched service.
     */
    String SYNAPSE_SESSION_EXPIRED = "smartstack.synapse.zookeeper.session.expired";
    /** A reporter's ZooKeeper session was lost, as {@link #SYNAPSE_SESSION_EXPIRED}. Tag: service. */
    String NERVE_SESSION_EXPIRED = "smartstack.nerve.zookeeper.session.expired";
    /** A registration was created. Tag: service. */
    String REGISTERED = "smartstack.nerve.registered";
    /** A registration was removed, or lost with its session (replaced when registering again). Tag: service. */
    String DEREGISTERED = "smartstack.nerve.deregistered";
    /** A health check failed (one per failing check per round). Tag: service. */
    String CHECK_FAILED = "smartstack.nerve.check.failed";
    /** One health check's run, under its timeout. Tags: service, detail ({@code healthy} or {@code unhealthy}). */
    String CHECK_LATENCY = "smartstack.nerve.check.latency";
    /** HAProxy was reloaded (or the managed HAProxy started). Tag: service {@code haproxy}. */
    String HAPROXY_RELOAD = "smartstack.haproxy.reload";
    /**
     * How long a reload (or a start of the managed HAProxy) took. Tags: service {@code haproxy},
     * detail ({@code success} or {@code failure}).
     */
    String HAPROXY_RELOAD_DURATION = "smartstack.haproxy.reload.duration";
    /**
     * A reload or start failed; the running HAProxy keeps serving. Tags: service {@code haproxy},
     * detail ({@code reload} or {@code start}).
     */
    String HAPROXY_RELOAD_FAILED = "smartstack.haproxy.reload.failed";
    /** The managed HAProxy exited unasked; it is started again. Tag: service {@code haproxy}. */
    String HAPROXY_PROCESS_EXITED = "smartstack.haproxy.process.exited";
    /** A runtime API command was sent to HAProxy. Tags: service {@code haproxy}, detail (the verb). */
    String HAPROXY_RUNTIME_COMMAND = "smartstack.haproxy.runtime.command";
    /**
     * Propagation to HAProxy's runtime state: from the ZooKeeper event to HAProxy's answers to the
     * runtime commands that applied the snapshot (once per snapshot). Tag: service.
     */
    String HAPROXY_RUNTIME_LATENCY = "smartstack.haproxy.runtime.latency";
    /** A runtime API command HAProxy refused or did not answer. Tags: service {@code haproxy}, detail (the verb). */
    String HAPROXY_RUNTIME_COMMAND_FAILED = "smartstack.haproxy.runtime.command.failed";
    /** A candidate HAProxy config failed {@code haproxy -c}. Tag: service {@code haproxy}. */
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

    /** Records one timing, with an empty {@code detail}. */
    void record(String metric, String service, Duration duration);

    /**
     * Records one timing with a {@code detail} tag (an outcome, an output). By default the detail
     * is dropped and {@link #record(String, String, Duration)} is called.
     */
    default void record(String metric, String service, String detail, Duration duration) {
        record(metric, service, duration);
    }

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
