package dev.smartstack.discovery.synapse;

/**
 * Events of a {@link SynapseWatcher} besides snapshots. Every method has an empty default.
 *
 * <p>Listeners are called on the watcher's internal threads and must be quick and must not block:
 * {@link #refused} on Curator's cache event thread, {@link #published} and most
 * {@link #stateChanged} calls on the watcher's {@code smartstack-synapse-publish-1} thread (the
 * first one on the thread calling {@code start()}, the last on the thread calling
 * {@code close()}), and {@link #outputFailed} on the failing output's own thread. A listener that
 * throws is logged and the others still run.
 */
public interface SynapseListener {

    /**
     * A znode's data was refused: malformed, out of range, or unsafe. Called once per version of
     * the znode; the service's other backends are unaffected.
     *
     * @param service the service name
     * @param znodePath the full path of the refused znode
     * @param reason why, with control characters escaped
     */
    default void refused(String service, String znodePath, String reason) {
    }

    /** The watcher's state changed, for example from {@code LIVE} to {@code STALE}. */
    default void stateChanged(SynapseWatcher.State from, SynapseWatcher.State to) {
    }

    /** A snapshot was published to the outputs. */
    default void published(ServiceSnapshot snapshot) {
    }

    /** An output threw while handling {@code snapshot} (or in start/close, then snapshot is null). */
    default void outputFailed(SnapshotOutput output, ServiceSnapshot snapshot, Throwable error) {
    }
}
