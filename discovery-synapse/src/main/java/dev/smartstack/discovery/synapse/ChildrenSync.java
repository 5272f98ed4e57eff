package dev.smartstack.discovery.synapse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of a service's children, shared by the watch and the poll sources: one
 * {@code getChildren} (no watch), then the data of every listed child whose name does not carry it,
 * in multi-reads ({@code Op.getData} inside {@code multi}) of at most {@value #MAX_OPS} reads, sized
 * to stay well under {@code jute.maxbuffer}. It runs only when the {@link ServiceWatch} asks for a
 * resync ({@link ServiceWatch#beginResync()}).
 */
final class ChildrenSync {
    private static final Logger log = LoggerFactory.getLogger(ChildrenSync.class);
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
    private volatile int opsPerRead = MAX_OPS;

    ChildrenSync(ServiceWatch view, CuratorFramework client, String zkPath) {
        this.view = view;
        this.client = client;
        this.zkPath = zkPath;
    }

    /** Starts a sync when the view needs one; the answers complete it on the ZooKeeper event thread. */
    void run() {
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
