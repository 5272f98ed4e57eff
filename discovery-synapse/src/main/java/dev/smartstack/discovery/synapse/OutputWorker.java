package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One output's own thread and queue. The queue holds at most one snapshot per service: a newer
 * snapshot replaces one the output has not taken yet, and the delta it is handed is recomputed
 * against the snapshot this output saw last.
 */
final class OutputWorker {
    private static final Logger log = LoggerFactory.getLogger(OutputWorker.class);

    private final SnapshotOutput output;
    private final Set<String> services;
    private final SynapseWatcher owner;
    private final DiscoveryMetrics metrics;
    private final Clock clock;
    private final Thread thread;
    private final LinkedHashMap<String, ServiceSnapshot> pending = new LinkedHashMap<>(); // guarded by this
    private final Map<String, ServiceSnapshot> seen = new HashMap<>(); // worker thread only
    private boolean closing; // guarded by this

    OutputWorker(SnapshotOutput output, Set<String> services, SynapseWatcher owner, DiscoveryMetrics metrics,
            Clock clock, ThreadFactory threads) {
        this.output = output;
        this.services = services;
        this.owner = owner;
        this.metrics = metrics;
        this.clock = clock;
        this.thread = threads.newThread(this::run);
    }

    void start() {
        thread.start();
    }

    synchronized void offer(ServiceSnapshot snapshot) {
        ServiceSnapshot queued = pending.get(snapshot.service());
        if (queued == null || queued.version() < snapshot.version()) {
            pending.put(snapshot.service(), snapshot);
            notifyAll();
        }
    }

    /** Delivers what is queued, then calls the output's close(); waits at most {@code timeout}. */
    void close(Duration timeout) {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("synapse output {} did not finish within {}; leaving its thread {}", output, timeout,
                    thread.getName());
            thread.interrupt();
        }
    }

    private void run() {
        try {
            output.start(services);
        } catch (Throwable t) {
            log.error("synapse output {} failed to start", output, t);
            owner.outputFailed(output, null, t);
        }
        while (true) {
            List<ServiceSnapshot> batch;
            synchronized (this) {
                while (pending.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closing = true;
                    }
                }
                if (pending.isEmpty()) {
                    break;
                }
                batch = new ArrayList<>(pending.values());
                pending.clear();
            }
            for (ServiceSnapshot s : batch) {
                deliver(s);
            }
        }
        try {
            output.close();
        } catch (Throwable t) {
            log.error("synapse output {} failed to close", output, t);
            owner.outputFailed(output, null, t);
        }
    }

    private void deliver(ServiceSnapshot snapshot) {
        ServiceSnapshot last = seen.get(snapshot.service());
        ServiceSnapshot s = snapshot;
        if (last == null) {
            if (s.version() != 1) {
                s = s.relativeTo(ServiceSnapshot.initial(s.service()));
            }
        } else if (s.version() != last.version() + 1) {
            s = s.relativeTo(last);
        }
        try {
            output.update(s);
            // Only a snapshot the output took counts as seen: after a failure, the next delta is
            // computed against the last snapshot it did take, so nothing is lost.
            seen.put(s.service(), s);
            metrics.record(DiscoveryMetrics.SNAPSHOT_LATENCY, s.service(),
                    Duration.between(s.time(), clock.instant()));
        } catch (Throwable t) {
            log.error("synapse output {} failed on {}", output, s, t);
            owner.outputFailed(output, s, t);
        }
    }
}
