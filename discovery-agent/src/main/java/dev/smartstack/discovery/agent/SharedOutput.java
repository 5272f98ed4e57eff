package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One output fed by several sources: a {@code SynapseWatcher} per ZooKeeper cluster plus the
 * static ({@code base}) services. Each watcher would otherwise call {@code start} with only its own
 * services (and {@code FileOutput} would delete the files of the others), call {@code update} from
 * its own thread, and call {@code close}. Here the agent starts the target once with every
 * service, each watcher gets a {@link #port()} whose updates are serialized on one lock, and the
 * agent closes the target once, after every watcher has closed.
 *
 * <p>Each service belongs to exactly one source, so a service's snapshots still arrive in order.
 */
final class SharedOutput {
    private static final Logger log = LoggerFactory.getLogger(SharedOutput.class);

    private final SnapshotOutput target;
    private final Object lock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    SharedOutput(SnapshotOutput target) {
        this.target = Objects.requireNonNull(target, "target == null");
    }

    SnapshotOutput target() {
        return target;
    }

    /** Starts the target with every service; a failure is logged, as a watcher would. */
    void start(Set<String> services) {
        synchronized (lock) {
            try {
                target.start(services);
            } catch (Throwable t) {
                log.error("synapse output {} failed to start: {}", target, String.valueOf(t));
            }
        }
    }

    /** Delivers a snapshot from the agent itself (a static service); a failure is logged. */
    void deliver(ServiceSnapshot snapshot) {
        synchronized (lock) {
            try {
                target.update(snapshot);
            } catch (Throwable t) {
                log.error("synapse output {} failed on '{}': {}", target, snapshot.service(), String.valueOf(t));
            }
        }
    }

    /** A view for one watcher: updates go to the target under the lock; start and close do nothing. */
    SnapshotOutput port() {
        return new Port();
    }

    /** Closes the target once. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lock) {
            try {
                target.close();
            } catch (Throwable t) {
                log.error("synapse output {} failed to close: {}", target, String.valueOf(t));
            }
        }
    }

    private final class Port implements SnapshotOutput {
        @Override
        public void update(ServiceSnapshot snapshot) {
            synchronized (lock) {
                target.update(snapshot);
            }
        }

        @Override
        public String toString() {
            return target.toString();
        }
    }
}
