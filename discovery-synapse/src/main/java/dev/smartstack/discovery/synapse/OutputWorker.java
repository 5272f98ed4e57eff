package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One output's own thread and queue. The queue holds at most one snapshot per service: a newer
 * snapshot replaces one the output has not taken yet, and the delta it is handed is recomputed
 * against the snapshot this output saw last. A snapshot the output threw on is retried (after 200 ms,
 * doubling up to 30 s) until the output takes it or a newer one replaces it.
 */
final class OutputWorker {
    private static final Logger log = LoggerFactory.getLogger(OutputWorker.class);
    static final long FIRST_RETRY_DELAY_MS = 200;
    static final long MAX_RETRY_DELAY_MS = 30_000;

    private final SnapshotOutput output;
    private final SynapseWatcher owner;
    private final DiscoveryMetrics metrics;
    private final Clock clock;
    private final Thread thread;
    private final String outputName;
    private final LinkedHashMap<String, ServiceSnapshot> pending = new LinkedHashMap<>(); // guarded by this
    private final Map<String, ServiceSnapshot> seen = new HashMap<>(); // worker thread only
    // Snapshots the output threw on, retried after retryDelayMs unless a newer one comes; worker thread only.
    private final Map<String, ServiceSnapshot> failed = new LinkedHashMap<>();
    private long retryDelayMs;
    private boolean closing; // guarded by this

    OutputWorker(SnapshotOutput output, SynapseWatcher owner, DiscoveryMetrics metrics, Clock clock,
            ThreadFactory threads) {
        this.output = output;
        this.owner = owner;
        this.metrics = metrics;
        this.clock = clock;
        this.thread = threads.newThread(this::run);
        this.outputName = output.outputName();
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

    /** Delivers what is queued, then stops the thread (the output is its owner's to close); waits at most {@code timeout}. */
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
        while (true) {
            List<ServiceSnapshot> batch;
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryDelayMs);
                while (pending.isEmpty() && !closing) {
                    try {
                        if (failed.isEmpty()) {
                            wait();
                        } else {
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                break;
                            }
                            TimeUnit.NANOSECONDS.timedWait(this, left);
                        }
                    } catch (InterruptedException e) {
                        closing = true;
                    }
                }
                if (pending.isEmpty() && (closing || failed.isEmpty())) {
                    break;
                }
                batch = new ArrayList<>(pending.values());
                pending.clear();
            }
            for (ServiceSnapshot f : failed.values()) {
                if (batch.stream().noneMatch(b -> b.service().equals(f.service()))) {
                    batch.add(f);
                }
            }
            failed.clear();
            for (ServiceSnapshot s : batch) {
                deliver(s);
            }
            retryDelayMs = failed.isEmpty() ? 0 : Math.min(MAX_RETRY_DELAY_MS, Math.max(FIRST_RETRY_DELAY_MS, 2 * retryDelayMs));
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
            metrics.record(DiscoveryMetrics.SNAPSHOT_LATENCY, s.service(), outputName,
                    Duration.between(s.time(), clock.instant()));
        } catch (Throwable t) {
            // Retried until it is taken or a newer snapshot replaces it: otherwise an output that
            // failed once (a full disk, say) would miss the last change for good.
            failed.put(snapshot.service(), snapshot);
            log.error("synapse output {} failed on {}; will retry", output, s, t);
            owner.outputFailed(output, s, t);
        }
    }
}
