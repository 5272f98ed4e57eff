package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link SynapseWatcher}'s {@link StateFile} up to date on its own thread
 * ({@code smartstack-synapse-state}): a published snapshot that changes a service's entry queues
 * one coalesced write, and live entries older than a quarter of the TTL are re-saved, so that a
 * service stable for longer than the TTL still starts from the file when ZooKeeper is down.
 */
final class StateFileKeeper {
    private static final Logger log = LoggerFactory.getLogger(StateFileKeeper.class);

    private final StateFile file;
    private final AtomicBoolean writeQueued = new AtomicBoolean();
    private ScheduledExecutorService writer;

    StateFileKeeper(StateFile file) {
        this.file = file;
    }

    /** The saved entries of {@code services} that have not expired. */
    Map<String, StateFile.Entry> load(Set<String> services) {
        return file.load(services);
    }

    String path() {
        return String.valueOf(file.path());
    }

    /** Starts the writer thread and the refresh of the snapshots that {@code current} returns. */
    void start(Supplier<Collection<ServiceSnapshot>> current) {
        writer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("smartstack-synapse-state"));
        // Entries are saved on change only; a service whose backends stay the same for longer
        // than the TTL would otherwise find its entry expired at the next start-up.
        long refreshMillis = Math.max(100, file.ttl().toMillis() / 4);
        writer.scheduleWithFixedDelay(() -> refresh(current.get()), refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    /** A published snapshot: its entry is recorded, and written on the writer thread when it changed. */
    void published(ServiceSnapshot snapshot) {
        if (snapshot.source() != ServiceSnapshot.Source.STATE_FILE && file.record(snapshot)
                && writeQueued.compareAndSet(false, true)) {
            try {
                writer.execute(() -> {
                    writeQueued.set(false);
                    file.write();
                });
            } catch (RejectedExecutionException e) {
                writeQueued.set(false);
            }
        }
    }

    /** Re-saves the live services whose entries grew older than a quarter of the TTL. On the writer thread. */
    private void refresh(Collection<ServiceSnapshot> snapshots) {
        try {
            boolean changed = false;
            for (ServiceSnapshot s : snapshots) {
                if (s.live() && s.version() > 0 && s.source() != ServiceSnapshot.Source.STATE_FILE && file.record(s)) {
                    changed = true;
                }
            }
            if (changed) {
                file.write();
            }
        } catch (Throwable t) {
            log.error("synapse failed to refresh state file {}", file.path(), t);
        }
    }

    /** Stops the writer thread, letting a queued write finish (bounded). */
    void close() {
        if (writer != null) {
            PublishThread.shutdown(writer, SynapseWatcher.OUTPUT_CLOSE_TIMEOUT);
        }
    }
}
