package dev.smartstack.discovery.synapse;

/**
 * Where a {@link SynapseWatcher} delivers snapshots: the in-process {@code ServiceProvider}, the
 * {@code FileOutput}, the HAProxy output, or anything an application wants to drive.
 *
 * <p>Ownership: whoever builds an output starts and closes it (if it has a lifecycle at all); a
 * watcher only hands it snapshots, and one output may be handed to several watchers.
 *
 * <p>Each watcher delivers to each output on its own named thread. It delivers the snapshots of a
 * service in version order; while the output is busy, newer snapshots of the same service are
 * coalesced into one whose delta is relative to the last one it saw. A slow or failing output never
 * holds back the others, and an exception thrown here is logged and counted, never propagated. A
 * snapshot the output threw on is offered again (after 200 ms, doubling up to 30 s) until it is
 * taken or a newer one replaces it. An output handed to several watchers is called from each of
 * their threads (a given service always from the same one), so it must be thread-safe.
 */
@FunctionalInterface
public interface SnapshotOutput {

    /** A service's backends changed (or the view's liveness did). */
    void update(ServiceSnapshot snapshot);

    /**
     * The output's name on its metrics: the {@code detail} tag of
     * {@code smartstack.synapse.snapshot.latency}. Short and stable ({@code file}, {@code haproxy},
     * {@code provider}); by default the class's simple name, or {@code output} for a lambda or an
     * anonymous class.
     */
    default String outputName() {
        Class<?> c = getClass();
        return c.isHidden() || c.isSynthetic() || c.isAnonymousClass() ? "output" : c.getSimpleName();
    }
}
