package dev.smartstack.discovery.synapse;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
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
 *       multi-reads ({@code Op.getData} inside {@code multi}) of at most {@value ChildrenSync#MAX_OPS} reads,
 *       sized to stay well under {@code jute.maxbuffer}.
 * </ul>
 * Events and answers arrive on the ZooKeeper event thread in the order the server produced them,
 * so applying each as it arrives gives the server's state: an answer never overtakes the event of
 * a later change.
 */
final class PersistentChildWatch implements ChildWatch {
    private static final Logger log = LoggerFactory.getLogger(PersistentChildWatch.class);

    private final ServiceWatch view;
    private final CuratorFramework client;
    private final String zkPath;
    private final PersistentWatcher watcher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ChildrenSync sync;

    PersistentChildWatch(ServiceWatch view, CuratorFramework client) {
        this.view = view;
        this.client = client;
        this.zkPath = ZKPaths.fixForNamespace(client.getNamespace(), view.path());
        this.watcher = new PersistentWatcher(client, view.path(), true);
        this.sync = new ChildrenSync(view, client, zkPath);
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
        if (!closed.get()) {
            sync.run();
        }
    }

    private ZooKeeper zk() throws Exception {
        return ChildWatch.zooKeeper(client);
    }
}
