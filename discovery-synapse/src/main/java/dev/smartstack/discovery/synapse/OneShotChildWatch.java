package dev.smartstack.discovery.synapse;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for ZooKeeper servers older than 3.6, which have neither persistent watches nor
 * multi-reads: a one-shot child watch on the service path (an {@code exists} watch while the path
 * is missing), set again by every listing, and a one-shot data watch on each child, set again by
 * every read. A join costs the listing and one read, a data change one read, a leave one listing;
 * a sync (at the start and after every reconnect) lists once and reads every child one by one.
 */
final class OneShotChildWatch implements ChildWatch {
    private static final Logger log = LoggerFactory.getLogger(OneShotChildWatch.class);

    private final ServiceWatch view;
    private final CuratorFramework client;
    private final String zkPath;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Watcher childWatcher = this::childEvent;
    private final Watcher dataWatcher = this::dataEvent;

    OneShotChildWatch(ServiceWatch view, CuratorFramework client) {
        this.view = view;
        this.client = client;
        this.zkPath = ZKPaths.fixForNamespace(client.getNamespace(), view.path());
    }

    @Override
    public void start() {
        list(view.beginResync());
    }

    @Override
    public void reconnected() {
        long generation = view.beginResync();
        if (generation >= 0) {
            list(generation);
        }
    }

    @Override
    public void close() {
        closed.set(true);
    }

    private void childEvent(WatchedEvent event) {
        if (closed.get() || event.getType() == Watcher.Event.EventType.None) {
            return;
        }
        list(-1);
    }

    private void dataEvent(WatchedEvent event) {
        if (closed.get()) {
            return;
        }
        String child = view.childOf(unfix(event.getPath()));
        if (child == null) {
            return;
        }
        switch (event.getType()) {
            case NodeDataChanged -> read(child, null);
            case NodeDeleted -> view.childGone(child);
            default -> {
            }
        }
    }

    /** Lists the children and sets the child watch; a resync when {@code generation >= 0}. */
    private void list(long generation) {
        if (closed.get()) {
            return;
        }
        try {
            zk().getChildren(zkPath, childWatcher, (rc, path, ctx, children) -> listed(generation, rc, children), null);
        } catch (Exception e) {
            failed(generation, String.valueOf(e));
        }
    }

    private void listed(long generation, int rc, List<String> children) {
        if (closed.get()) {
            return;
        }
        List<String> listed;
        if (rc == KeeperException.Code.OK.intValue()) {
            listed = children;
        } else if (rc == KeeperException.Code.NONODE.intValue()) {
            listed = List.of();
            watchCreation();
        } else {
            failed(generation, String.valueOf(KeeperException.Code.get(rc)));
            return;
        }
        List<String> toRead = view.listed(generation, listed);
        if (toRead == null) {
            return;
        }
        if (generation < 0) {
            toRead.forEach(c -> read(c, null));
            return;
        }
        if (toRead.isEmpty()) {
            view.resyncDone(generation, listed.size(), 0, 1);
            return;
        }
        AtomicInteger left = new AtomicInteger(toRead.size());
        AtomicBoolean failed = new AtomicBoolean();
        Answered done = ok -> {
            if (!ok && failed.compareAndSet(false, true)) {
                view.resyncFailed(generation, "a read failed");
            } else if (left.decrementAndGet() == 0 && !failed.get()) {
                view.resyncDone(generation, listed.size(), toRead.size(), 1 + toRead.size());
            }
        };
        toRead.forEach(c -> read(c, done));
    }

    /** The path is missing: an exists watch tells when it is created. */
    private void watchCreation() {
        try {
            zk().exists(zkPath, childWatcher, (rc, path, ctx, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    list(-1); // created between the listing and the exists
                }
            }, null);
        } catch (Exception e) {
            log.debug("synapse '{}' could not watch for {}", view.name(), view.path(), e);
        }
    }

    /** What a resync's read reports: whether it was answered (with the data, or with NONODE). */
    private interface Answered {
        void answered(boolean ok);
    }

    /** Reads a child and sets its data watch; {@code done} (may be null) is told once the answer is applied. */
    private void read(String child, Answered done) {
        try {
            zk().getData(ZKPaths.makePath(zkPath, child), dataWatcher, (rc, path, ctx, data, stat) -> {
                boolean ok = rc == KeeperException.Code.OK.intValue() || rc == KeeperException.Code.NONODE.intValue();
                if (closed.get()) {
                    return;
                } else if (rc == KeeperException.Code.OK.intValue()) {
                    view.childData(child, data, stat.getMzxid());
                } else if (rc == KeeperException.Code.NONODE.intValue()) {
                    view.childGone(child);
                }
                if (done != null) {
                    done.answered(ok);
                }
            }, null);
        } catch (Exception e) {
            log.debug("synapse '{}' could not read {}", view.name(), child, e);
            if (done != null) {
                done.answered(false);
            }
        }
    }

    private void failed(long generation, String reason) {
        if (generation >= 0) {
            view.resyncFailed(generation, reason);
        } else {
            log.debug("synapse '{}' could not list {}: {}", view.name(), view.path(), reason);
        }
    }

    /** The event's path without the client's namespace, as the service path is given. */
    private String unfix(String path) {
        String namespace = client.getNamespace();
        if (path == null || namespace == null || namespace.isEmpty()) {
            return path;
        }
        String prefix = "/" + namespace;
        return path.startsWith(prefix + "/") ? path.substring(prefix.length()) : path;
    }

    private ZooKeeper zk() throws Exception {
        return ChildWatch.zooKeeper(client);
    }
}
