package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/** Helpers for tests against a real ZooKeeper. */
final class Zk {
    private Zk() {
    }

    static CuratorFramework client(String connectString, Duration sessionTimeout) {
        return client(connectString, sessionTimeout, null);
    }

    /**
     * A started client that makes no request of its own (Curator's ensemble tracker would read the
     * config), for tests that count the requests of its session on the server.
     */
    static CuratorFramework quietClient(String connectString, Duration sessionTimeout) {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs((int) sessionTimeout.toMillis()).connectionTimeoutMs(3_000)
                .retryPolicy(new RetryOneTime(200)).ensembleTracker(false).build();
        c.start();
        return c;
    }

    static CuratorFramework client(String connectString, Duration sessionTimeout, ReadCounter counter) {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .connectionTimeoutMs(3_000)
                .retryPolicy(new RetryOneTime(200));
        if (counter != null) {
            b.zookeeperFactory(counter);
        }
        CuratorFramework c = b.build();
        c.start();
        return c;
    }

    static byte[] nerve(String name, String host, int port) {
        return NerveCodec.encode(ServiceInstance.of(name, host, port));
    }

    static byte[] nerve(ServiceInstance i) {
        return NerveCodec.encode(i);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Creates {@code <path>/<name>_<seq>} (parents as needed) and returns its full path. */
    static String register(CuratorFramework c, String path, String name, int port, CreateMode mode) {
        return create(c, path + "/" + name + "_", nerve(name, "127.0.0.1", port), mode);
    }

    static String create(CuratorFramework c, String path, byte[] data, CreateMode mode) {
        try {
            return c.create().creatingParentsIfNeeded().withMode(mode).forPath(path, data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void delete(CuratorFramework c, String path) {
        try {
            c.delete().forPath(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void setData(CuratorFramework c, String path, byte[] data) {
        try {
            c.setData().forPath(path, data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts the read requests (getData, getChildren, exists) a client sends. */
    static final class ReadCounter implements ZookeeperFactory {
        final AtomicLong getData = new AtomicLong();
        final AtomicLong getChildren = new AtomicLong();
        final AtomicLong exists = new AtomicLong();

        long total() {
            return getData.get() + getChildren.get() + exists.get();
        }

        @Override
        public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher,
                boolean canBeReadOnly) throws java.io.IOException {
            return new CountingZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, this);
        }
    }

    @SuppressWarnings("try")
    static final class CountingZooKeeper extends ZooKeeper {
        private final ReadCounter n;

        CountingZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly,
                ReadCounter n) throws java.io.IOException {
            super(connectString, sessionTimeout, watcher, canBeReadOnly);
            this.n = n;
        }

        @Override
        public byte[] getData(String path, Watcher watcher, Stat stat) throws KeeperException, InterruptedException {
            n.getData.incrementAndGet();
            return super.getData(path, watcher, stat);
        }

        @Override
        public byte[] getData(String path, boolean watch, Stat stat) throws KeeperException, InterruptedException {
            n.getData.incrementAndGet();
            return super.getData(path, watch, stat);
        }

        @Override
        public void getData(String path, Watcher watcher, AsyncCallback.DataCallback cb, Object ctx) {
            n.getData.incrementAndGet();
            super.getData(path, watcher, cb, ctx);
        }

        @Override
        public void getData(String path, boolean watch, AsyncCallback.DataCallback cb, Object ctx) {
            n.getData.incrementAndGet();
            super.getData(path, watch, cb, ctx);
        }

        @Override
        public java.util.List<String> getChildren(String path, Watcher watcher, Stat stat)
                throws KeeperException, InterruptedException {
            n.getChildren.incrementAndGet();
            return super.getChildren(path, watcher, stat);
        }

        @Override
        public java.util.List<String> getChildren(String path, Watcher watcher)
                throws KeeperException, InterruptedException {
            n.getChildren.incrementAndGet();
            return super.getChildren(path, watcher);
        }

        @Override
        public java.util.List<String> getChildren(String path, boolean watch)
                throws KeeperException, InterruptedException {
            n.getChildren.incrementAndGet();
            return super.getChildren(path, watch);
        }

        @Override
        public java.util.List<String> getChildren(String path, boolean watch, Stat stat)
                throws KeeperException, InterruptedException {
            n.getChildren.incrementAndGet();
            return super.getChildren(path, watch, stat);
        }

        @Override
        public void getChildren(String path, Watcher watcher, AsyncCallback.ChildrenCallback cb, Object ctx) {
            n.getChildren.incrementAndGet();
            super.getChildren(path, watcher, cb, ctx);
        }

        @Override
        public void getChildren(String path, boolean watch, AsyncCallback.ChildrenCallback cb, Object ctx) {
            n.getChildren.incrementAndGet();
            super.getChildren(path, watch, cb, ctx);
        }

        @Override
        public void getChildren(String path, Watcher watcher, AsyncCallback.Children2Callback cb, Object ctx) {
            n.getChildren.incrementAndGet();
            super.getChildren(path, watcher, cb, ctx);
        }

        @Override
        public void getChildren(String path, boolean watch, AsyncCallback.Children2Callback cb, Object ctx) {
            n.getChildren.incrementAndGet();
            super.getChildren(path, watch, cb, ctx);
        }

        @Override
        public Stat exists(String path, Watcher watcher) throws KeeperException, InterruptedException {
            n.exists.incrementAndGet();
            return super.exists(path, watcher);
        }

        @Override
        public Stat exists(String path, boolean watch) throws KeeperException, InterruptedException {
            n.exists.incrementAndGet();
            return super.exists(path, watch);
        }

        @Override
        public void exists(String path, Watcher watcher, AsyncCallback.StatCallback cb, Object ctx) {
            n.exists.incrementAndGet();
            super.exists(path, watcher, cb, ctx);
        }

        @Override
        public void exists(String path, boolean watch, AsyncCallback.StatCallback cb, Object ctx) {
            n.exists.incrementAndGet();
            super.exists(path, watch, cb, ctx);
        }
    }
}
