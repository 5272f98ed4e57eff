package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.internal.Listeners;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the output reports: the log, the metrics, the counters, the last error and the
 * {@link HaproxyListener}s. Never called with the output's lock held (the lock's holders queue
 * their reports and run them after releasing it). Thread-safe.
 */
final class Events {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);

    final Listeners<HaproxyListener> listeners = new Listeners<>();
    final AtomicLong reloads = new AtomicLong();
    final AtomicLong failedReloads = new AtomicLong();
    final AtomicLong runtimeCommands = new AtomicLong();
    private final DiscoveryMetrics metrics;
    private volatile String lastError;

    Events(DiscoveryMetrics metrics) {
        this.metrics = metrics;
    }

    String lastError() {
        return lastError;
    }

    void refused(String service, ServiceInstance instance, String reason) {
        log.error("haproxy output refused backend {} of service '{}': {}", instance, service, reason);
        metrics.increment(DiscoveryMetrics.ZNODE_REFUSED, service,
                reason.startsWith("haproxy_server_options") ? "haproxy_server_options" : "haproxy");
        listeners.fire(l -> l.backendRefused(service, instance, reason));
    }

    void commandsSent(java.util.List<RuntimeCommand> commands) {
        runtimeCommands.addAndGet(commands.size());
        for (RuntimeCommand c : commands) {
            metrics.increment(DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND, "haproxy", c.verb());
        }
    }

    /** A service's runtime commands were answered, {@code latency} after the ZooKeeper event of its snapshot. */
    void runtimeApplied(String service, Duration latency) {
        metrics.record(DiscoveryMetrics.HAPROXY_RUNTIME_LATENCY, service, latency);
    }

    /** A runtime command ({@code verb}, for the metric; {@code command}, its text) was refused or not answered. */
    void runtimeFailed(String verb, String command, String answer) {
        metrics.increment(DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND_FAILED, "haproxy", verb);
        lastError = "runtime command '" + command + "' failed: " + answer;
        log.warn("haproxy runtime command '{}' failed: {}", command, answer);
        listeners.fire(l -> l.runtimeCommandFailed(command, answer));
    }

    /** A reload (or a start of the managed HAProxy) finished after {@code took}, failed or not. */
    void reloadTook(boolean success, Duration took) {
        metrics.record(DiscoveryMetrics.HAPROXY_RELOAD_DURATION, "haproxy", success ? "success" : "failure", took);
    }

    void reloaded(String reason) {
        reloads.incrementAndGet();
        metrics.increment(DiscoveryMetrics.HAPROXY_RELOAD, "haproxy", "");
        log.info("haproxy reloaded: {}", reason);
        listeners.fire(l -> l.reloaded(reason));
    }

    void reloadFailed(String reason, String error) {
        failedReloads.incrementAndGet();
        metrics.increment(DiscoveryMetrics.HAPROXY_RELOAD_FAILED, "haproxy", "reload");
        lastError = "reload failed: " + error;
        log.warn("haproxy reload ({}) failed; the running HAProxy keeps serving: {}", reason, error);
        listeners.fire(l -> l.reloadFailed(error));
    }

    void startFailed(String error) {
        failedReloads.incrementAndGet();
        metrics.increment(DiscoveryMetrics.HAPROXY_RELOAD_FAILED, "haproxy", "start");
        lastError = "HAProxy did not start: " + error;
        log.warn("haproxy could not be started: {}", error);
        listeners.fire(l -> l.reloadFailed(error));
    }

    void configInvalid(String target, String error) {
        lastError = "invalid HAProxy config: " + error;
        metrics.increment(DiscoveryMetrics.HAPROXY_INVALID_CONFIG, "haproxy", "");
        log.warn("haproxy candidate config for {} is invalid; keeping the old one: {}", target, error);
        listeners.fire(l -> l.configInvalid(error));
    }

    void processExited(String description) {
        metrics.increment(DiscoveryMetrics.HAPROXY_PROCESS_EXITED, "haproxy", "");
        lastError = "HAProxy exited unexpectedly: " + description;
        log.error("managed haproxy exited unexpectedly ({}); starting it again", description);
        listeners.fire(l -> l.processExited(description));
    }

    void error(String message, Throwable t) {
        lastError = message;
        if (t != null) {
            log.error(message, t);
        } else {
            log.error(message);
        }
    }
}
