package dev.smartstack.discovery.synapse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch core on ZooKeeper 3.6 or newer: one persistent recursive watch on the service path,
 * kept by Curator's {@link PersistentWatcher} (which adds it again after every reconnect), and
 * exactly the reads each event needs:
 * <ul>
 *   <li>a child created: one {@code getData}, none when its name carries its data (path encoding);
 *   <li>a child deleted: nothing; a child's data changed: one {@code getData};
 *   <li>grandchildren and the service path itself: nothing, they are never backends;
 *   <li>a sync (at the start, and each time the watch is armed again after a connection loss): one
 *       {@code getChildren}, then the data of every listed child whose name does not carry it, in
 *       multi-reads ({@code Op.getData} inside {@code multi}) of at most {@value #MAX_OPS} reads,
 *       sized to stay well under {@code jute.maxbuffer}.
 * </ul>
 * Events and answers arrive on the ZooKeeper event thread in the order the server produced them,
 * so applying each as it arrives gives the server's state: an answer never overtakes the event of
 * a later change.
 */
final class PersistentChildWatch implements ChildWatch {
    private static final Logger log = LoggerFactory.getLogger(PersistentChildWatch.class);
    /** The most reads in one multi-read. */
    static final int MAX_OPS = 1_000;
    private static final int MIN_OPS = 16;
    /** The answer size a multi-read aims for: half the default {@code jute.maxbuffer} of 1 MiB. */
    private static final int TARGET_BYTES = 512 * 1024;
    /** A read's answer without its data: the result header and the Stat, rounded up. */
    private static final int PER_READ_BYTES = 100;

    private final ServiceWatch view;
    private final CuratorFramework client;
    private final String zkPath;
    private final PersistentWatcher watcher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile int opsPerRead = MAX_OPS;

    PersistentChildWatch(ServiceWatch view, CuratorFramework client) {
        this.view = view;
        this.client = client;
        this.zkPath = ZKPaths.fixForNamespace(client.getNamespace(), view.path());
        this.watcher = new PersistentWatcher(client, view.path(), true);
    }

    @Override
    public void start() {
        watcher.getListenable().addListener(this::event);
        watcher.getResetListenable().addListener(this::sync);
        watcher.start();
    }

    @Override
    public void reconnected() {
        // PersistentWatcher adds the watch again and then calls sync().
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            watcher.close();
        }
    }

    private void event(WatchedEvent event) {
        if (closed.get()) {
            return;
        }
        try {
            String child = view.childOf(event.getPath());
            if (child == null) {
                return;
            }
            switch (event.getType()) {
                case NodeCreated, NodeDataChanged -> {
                    if (!view.fromName(child)) {
                        read(child);
                    }
                }
                case NodeDeleted -> view.childGone(child);
                default -> {
                    // A persistent recursive watch sends no child events; connection events reach the
                    // watcher through Curator's connection state.
                }
            }
        } catch (Throwable t) {
            log.error("synapse '{}' failed to handle {} under {}", view.name(), event, view.path(), t);
        }
    }

    private void read(String child) {
        try {
            zk().getData(ZKPaths.makePath(zkPath, child), false, (rc, path, ctx, data, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    view.childData(child, data, stat.getMzxid());
                } else if (rc != KeeperException.Code.NONODE.intValue()) {
                    // NONODE: deleted before the read, and its deletion event came first. A lost
                    // connection marks the view for a resync, which reads this child again.
                    log.debug("synapse '{}' could not read {}: {}", view.name(), path, KeeperException.Code.get(rc));
                }
            }, null);
        } catch (Exception e) {
            log.debug("synapse '{}' could not read {}", view.name(), child, e);
        }
    }

    /** Called each time the watch is armed; does nothing unless the view needs a resync. */
    private void sync() {
        if (closed.get()) {
            return;
        }
        long generation = view.beginResync();
        if (generation < 0) {
            return;
        }
        try {
            zk().getChildren(zkPath, false, (rc, path, ctx, children) -> listed(generation, rc, children), null);
        } catch (Exception e) {
            view.resyncFailed(generation, String.valueOf(e));
        }
    }

    private void listed(long generation, int rc, List<String> children) {
        try {
            List<String> listed;
            if (rc == KeeperException.Code.OK.intValue()) {
                listed = children;
            } else if (rc == KeeperException.Code.NONODE.intValue()) {
                listed = List.of();
            } else if (rc == KeeperException.Code.CONNECTIONLOSS.intValue()) {
                view.resyncFailed(generation, "the connection was lost while listing the children; if there are"
                        + " tens of thousands, the answer may exceed the client's jute.maxbuffer (default 1 MiB)");
                return;
            } else {
                view.resyncFailed(generation, String.valueOf(KeeperException.Code.get(rc)));
                return;
            }
            List<String> toRead = view.listed(generation, listed);
            if (toRead == null) {
                return;
            }
            readAll(generation, listed.size(), toRead);
        } catch (Throwable t) {
            view.resyncFailed(generation, String.valueOf(t));
            log.error("synapse '{}' failed to sync {}", view.name(), view.path(), t);
        }
    }

    /** Reads {@code children} in multi-reads sent back to back; the last answer completes the sync. */
    private void readAll(long generation, int listed, List<String> children) throws Exception {
        if (children.isEmpty()) {
            view.resyncDone(generation, listed, 0, 1);
            return;
        }
        int chunk = opsPerRead;
        int chunks = (children.size() + chunk - 1) / chunk;
        AtomicInteger left = new AtomicInteger(chunks);
        AtomicBoolean failed = new AtomicBoolean();
        ZooKeeper zk = zk();
        for (int from = 0; from < children.size(); from += chunk) {
            List<String> part = children.subList(from, Math.min(children.size(), from + chunk));
            List<Op> ops = new ArrayList<>(part.size());
            for (String child : part) {
                ops.add(Op.getData(ZKPaths.makePath(zkPath, child)));
            }
            zk.multi(ops, (rc, path, ctx, results) -> {
                if (!applyChunk(part, rc, results)) {
                    if (failed.compareAndSet(false, true)) {
                        view.resyncFailed(generation, "multi-read: " + KeeperException.Code.get(rc));
                    }
                } else if (left.decrementAndGet() == 0 && !failed.get()) {
                    view.resyncDone(generation, listed, children.size(), 1 + chunks);
                }
            }, null);
        }
    }

    /** Applies one multi-read's answers; false when the whole request failed. */
    private boolean applyChunk(List<String> part, int rc, List<OpResult> results) {
        if (results == null) {
            if (rc == KeeperException.Code.CONNECTIONLOSS.intValue()) {
                // The answer may have been larger than the client accepts: read less at a time.
                opsPerRead = Math.max(MIN_OPS, opsPerRead / 2);
            }
            return false;
        }
        long bytes = 0;
        for (int i = 0; i < results.size() && i < part.size(); i++) {
            if (results.get(i) instanceof OpResult.GetDataResult r) {
                byte[] data = r.getData();
                bytes += PER_READ_BYTES + (data == null ? 0 : data.length);
                view.childData(part.get(i), data, r.getStat().getMzxid());
            }
            // An ErrorResult (NONODE): deleted after the listing, and its deletion event came first.
        }
        long perRead = Math.max(PER_READ_BYTES, bytes / Math.max(1, results.size()));
        opsPerRead = (int) Math.max(MIN_OPS, Math.min(MAX_OPS, TARGET_BYTES / perRead));
        return true;
    }

    private ZooKeeper zk() throws Exception {
        return ChildWatch.zooKeeper(client);
    }
}
