package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one znode's own data (not its children), as Ruby Synapse reads a service's
 * {@code generator_config_path}: a one-shot data watch, set again by every read, so that each
 * change costs exactly one {@code getData}. While the znode is missing an {@code exists} watch
 * waits for it (a deletion costs the failed {@code getData} and the {@code exists}). A reconnect on
 * the same session costs nothing (the ZooKeeper client restores its watches, and the server fires
 * the ones whose znode changed meanwhile); a new session costs one {@code getData}. It works on
 * every server version: a persistent watch is not needed for one znode.
 *
 * <p>With {@link Builder#pollingInterval}, for operators who want no watches ({@code zookeeper_poll}),
 * it sets none: one {@code getData} every interval, on a named daemon thread.
 *
 * <p>The listener is called on the ZooKeeper event thread, once per version of the znode (its
 * {@code mzxid}), and once when it is found missing; it must be quick and must not block.
 * {@code build()} does no I/O; the caller owns the Curator client, which must be started before
 * {@link #start()}.
 */
public final class ZnodeDataWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZnodeDataWatch.class);

    /** The version passed to the listener when the znode does not exist. */
    public static final long ABSENT = -1;

    /** What the watch hands over. Called on the ZooKeeper event thread; quick, never blocking. */
    @FunctionalInterface
    public interface Listener {
        /**
         * The znode's data changed.
         *
         * @param path the watched path
         * @param data its data (empty when it has none), or null when the znode does not exist
         * @param mzxid the zxid of its last change, or {@link #ABSENT}
         */
        void data(String path, byte[] data, long mzxid);
    }

    private enum State { LATENT, STARTED, CLOSED }

    private final CuratorFramework client;
    private final String path;
    private final String zkPath;
    private final Listener listener;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    /** Null when watching. */
    private final Duration pollingInterval;
    private ScheduledExecutorService timer;
    private final Watcher watcher;
    private final ConnectionStateListener connection = this::connectionChanged;
    /** The session of the last read: a new one has lost the watch. */
    private volatile long readSession;
    /** The last version handed to the listener; only the ZooKeeper event thread writes it. */
    private volatile Long delivered;

    private ZnodeDataWatch(Builder b) {
        this.client = b.client;
        this.path = b.path;
        this.zkPath = ZKPaths.fixForNamespace(b.client.getNamespace(), b.path);
        this.listener = b.listener;
        this.pollingInterval = b.pollingInterval;
        this.watcher = b.pollingInterval == null ? this::event : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads the znode and sets the watch. Returns at once. */
    public ZnodeDataWatch start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("ZnodeDataWatch cannot be started: it is " + state.get());
        }
        if (pollingInterval != null) {
            timer = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("smartstack-synapse-znode-poll"));
            timer.scheduleWithFixedDelay(this::read, 0, pollingInterval.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        }
        client.getConnectionStateListenable().addListener(connection);
        read();
        return this;
    }

    /** Stops handing over data; a watch already set fires once more into nothing. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            if (timer != null) {
                timer.shutdownNow();
            } else {
                client.getConnectionStateListenable().removeListener(connection);
            }
        }
    }

    public String path() {
        return path;
    }

    private boolean running() {
        return state.get() == State.STARTED;
    }

    private void event(WatchedEvent event) {
        if (running() && event.getType() != Watcher.Event.EventType.None) {
            read();
        }
    }

    private void connectionChanged(CuratorFramework c, ConnectionState s) {
        if (running() && s.isConnected()) {
            try {
                if (ChildWatch.zooKeeper(client).getSessionId() != readSession) {
                    read();
                }
            } catch (Exception e) {
                log.debug("synapse could not read {} after a reconnect", path, e);
            }
        }
    }

    private void read() {
        try {
            var zk = ChildWatch.zooKeeper(client);
            readSession = zk.getSessionId();
            zk.getData(zkPath, watcher, (rc, p, ctx, data, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    deliver(data == null ? new byte[0] : data, stat.getMzxid());
                } else if (rc == KeeperException.Code.NONODE.intValue()) {
                    if (watcher == null) {
                        deliver(null, ABSENT);
                    } else {
                        awaitCreation();
                    }
                } else {
                    // A lost connection: the reconnect restores the watch or, on a new session, reads again.
                    log.debug("synapse could not read {}: {}", path, KeeperException.Code.get(rc));
                }
            }, null);
        } catch (Exception e) {
            log.debug("synapse could not read {}", path, e);
        }
    }

    /** An {@code exists} watch fires when the znode is created; a creation that raced it is read at once. */
    private void awaitCreation() {
        try {
            ChildWatch.zooKeeper(client).exists(zkPath, watcher, (rc, p, ctx, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    read();
                } else if (rc == KeeperException.Code.NONODE.intValue()) {
                    deliver(null, ABSENT);
                }
            }, null);
        } catch (Exception e) {
            log.debug("synapse could not watch {} for its creation", path, e);
        }
    }

    private void deliver(byte[] data, long mzxid) {
        if (!running() || Objects.equals(delivered, mzxid)) {
            return;
        }
        delivered = mzxid;
        try {
            listener.data(path, data, mzxid);
        } catch (Throwable t) {
            log.error("synapse listener {} failed on the data of {}", listener, path, t);
        }
    }

    @Override
    public String toString() {
        return "ZnodeDataWatch{" + path + "}";
    }

    /** Builds a {@link ZnodeDataWatch}; every setting but the polling interval is required. */
    public static final class Builder {
        private CuratorFramework client;
        private String path;
        private Listener listener;
        private Duration pollingInterval;

        private Builder() {
        }

        /** The caller's Curator client; the watch never starts or closes it. */
        public Builder curator(CuratorFramework client) {
            this.client = Objects.requireNonNull(client, "curator == null");
            return this;
        }

        /** The znode whose data is watched. */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path == null");
            if (!Validation.isValidZkPath(path)) {
                throw new IllegalArgumentException("path must be an absolute ZooKeeper path but was " + Validation.quote(path));
            }
            this.path = path;
            return this;
        }

        /**
         * Polls instead of watching: one {@code getData} every {@code interval}, no watch set;
         * default none (watched).
         */
        public Builder pollingInterval(Duration interval) {
            Objects.requireNonNull(interval, "pollingInterval == null");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("pollingInterval must be at least 1 ms but was " + interval);
            }
            this.pollingInterval = interval;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener == null");
            return this;
        }

        /** @throws IllegalArgumentException naming a missing setting */
        public ZnodeDataWatch build() {
            if (client == null) {
                throw new IllegalArgumentException("curator is required");
            }
            if (path == null) {
                throw new IllegalArgumentException("path is required");
            }
            if (listener == null) {
                throw new IllegalArgumentException("listener is required");
            }
            return new ZnodeDataWatch(this);
        }
    }
}
