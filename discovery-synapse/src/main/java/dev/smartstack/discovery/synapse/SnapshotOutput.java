package dev.smartstack.discovery.synapse;

import java.util.Set;

/**
 * Where a {@link SynapseWatcher} delivers snapshots: the in-process {@code ServiceProvider}, the
 * {@code FileOutput}, the HAProxy output, or anything an application wants to drive.
 *
 * <p>Each output has its own named thread. It receives the snapshots of a service in version
 * order; while it is busy, newer snapshots of the same service are coalesced into one whose delta
 * is relative to the last one it saw. A slow or failing output never holds back the others, and an
 * exception thrown here is logged and counted, never propagated. A snapshot the output threw on is
 * offered again (after 200 ms, doubling up to 30 s) until it is taken or a newer one replaces it.
 */
@FunctionalInterface
public interface SnapshotOutput {

    /**
     * Called once, before any snapshot, with the names of every watched service.
     */
    default void start(Set<String> services) {
    }

    /** A service's backends changed (or the view's liveness did). Called on this output's thread. */
    void update(ServiceSnapshot snapshot);

    /** Called once when the watcher closes, on this output's thread, after the last update. */
    default void close() {
    }
}
