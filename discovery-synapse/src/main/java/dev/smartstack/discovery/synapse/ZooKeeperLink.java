package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.internal.CuratorHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper side of a {@link SynapseWatcher}, which exists only when some service is discovered
 * in ZooKeeper ({@code zookeeper}, {@code zookeeper_poll}): the Curator client, its connection
 * state, the one server probe, and the source of each such service (persistent watch, poll, or the
 * one-shot fallback for servers older than 3.6). Services of other methods never see it.
 */
final class ZooKeeperLink {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperLink.class);

    private final CuratorHandle handle;
    /** The services discovered in ZooKeeper; added to and removed from at run time. */
    private final List<ServiceWatch> watches;
    private final DiscoveryMetrics metrics;
    private final BooleanSupplier closed;
    private final AtomicBoolean connected = new AtomicBoolean(true);
    private final ConnectionStateListener connectionListener = this::connectionStateChanged;
    private final ServerProbe probe = new ServerProbe(this::serverAnswered);
    /** The probe's answer (true: persistent watches), null before it; set before the watches start. */
    private volatile Boolean persistentWatches;

    /**
     * @param watches the services discovered in ZooKeeper
     * @param metrics counts session expiries, once per service
     * @param closed whether the watcher is closed (a late probe answer then starts nothing)
     */
    ZooKeeperLink(CuratorHandle handle, List<ServiceWatch> watches, DiscoveryMetrics metrics, BooleanSupplier closed) {
        this.handle = handle;
        this.watches = new CopyOnWriteArrayList<>(watches);
        this.metrics = metrics;
        this.closed = closed;
    }

    /** Null when the client can be used; else why not (a borrowed client that was not started). */
    String unusable() {
        if (!handle.isOwned() && handle.client().getState() != CuratorFrameworkState.STARTED) {
            return "SynapseWatcher needs a started CuratorFramework but it was " + handle.client().getState();
        }
        return null;
    }

    /** Starts an owned client, listens to the connection, and probes the server to start the watches. */
    void start() {
        handle.start();
        CuratorFramework client = handle.client();
        connected.set(client.getZookeeperClient().isConnected());
        client.getConnectionStateListenable().addListener(connectionListener);
        probe.probe(client);
    }

    /** Stops listening; the caller closes the watches, then {@link #closeClient()}. */
    void stopListening() {
        handle.client().getConnectionStateListenable().removeListener(connectionListener);
    }

    /** Closes the client if the watcher built it. */
    void closeClient() {
        handle.close();
    }

    /** See {@link SynapseWatcher#isConnected()}. */
    boolean isConnected() {
        return connected.get() || handle.client().getZookeeperClient().isConnected();
    }

    /**
     * A service added at run time: its watch starts as a builder service's does, at once when the
     * server probe has answered (persistent watch on 3.6+, one-shot watches before), else with the
     * others when it answers. Started while the connection is down, it syncs when it is back.
     */
    void add(ServiceWatch watch) {
        watches.add(watch);
        Boolean persistent = persistentWatches;
        if (persistent != null && !closed.getAsBoolean()) {
            // Should the probe answer meanwhile, the second start of the same kind of watch is ignored.
            startWatch(watch, persistent);
        }
    }

    /** A service removed at run time: no more connection events reach it; the caller closes its watch. */
    void remove(ServiceWatch watch) {
        watches.remove(watch);
    }

    private void startWatch(ServiceWatch watch, boolean persistent) {
        if (persistent) {
            watch.startPersistentWatch(handle.client());
        } else {
            watch.startOneShotWatches(handle.client());
        }
    }

    /** Switches every ZooKeeper service to one-shot watches, as for a server older than 3.6 (for tests). */
    void fallBackToOneShotWatches() {
        probe.skip();
        persistentWatches = false;
        watches.forEach(w -> w.startOneShotWatches(handle.client()));
    }

    private void connectionStateChanged(CuratorFramework client, ConnectionState newState) {
        try {
            switch (newState) {
                case SUSPENDED, LOST -> {
                    connected.set(false);
                    if (newState == ConnectionState.LOST) {
                        watches.forEach(w -> metrics.increment(DiscoveryMetrics.SYNAPSE_SESSION_EXPIRED, w.name(), ""));
                    }
                    log.warn("synapse lost its ZooKeeper connection ({}): keeping the last known backends of {}",
                            newState, names());
                    watches.forEach(ServiceWatch::connectionLost);
                }
                case CONNECTED, RECONNECTED -> {
                    boolean wasConnected = connected.getAndSet(true);
                    probe.probe(client);
                    if (newState == ConnectionState.RECONNECTED || !wasConnected) {
                        log.info("synapse {} ZooKeeper: {} {}", newState == ConnectionState.CONNECTED ? "connected to"
                                : "reconnected to", newState == ConnectionState.CONNECTED ? "reading" : "resyncing", names());
                    }
                    watches.forEach(ServiceWatch::connectionRestored);
                }
                default -> {
                }
            }
        } catch (Throwable t) {
            log.error("synapse failed to handle connection state {}", newState, t);
        }
    }

    /** The server probe's answer: start every service's watch, persistent on 3.6+, one-shot before. */
    private void serverAnswered(boolean persistentWatches) {
        if (closed.getAsBoolean()) {
            return;
        }
        this.persistentWatches = persistentWatches;
        if (persistentWatches) {
            watches.forEach(w -> startWatch(w, true));
        } else {
            log.warn("synapse: the ZooKeeper server is older than 3.6 (no persistent watches, no multi-reads);"
                    + " falling back to one-shot child and data watches for {}", names());
            watches.forEach(w -> startWatch(w, false));
        }
    }

    private List<String> names() {
        return watches.stream().map(ServiceWatch::name).toList();
    }
}
