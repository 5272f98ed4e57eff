package dev.smartstack.discovery.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * The writer of {@link WatchRace}: one Curator client connected straight to the server (no proxy),
 * which creates the existing instances, then makes the joins, data changes and leaves that the
 * watchers must see. It keeps its own model of the service (znode name to name and port), which is
 * what a watcher's view must equal, and can read ZooKeeper's truth to check the model.
 *
 * <p>Every write is timed from just before the call with {@link System#nanoTime()}; the returned
 * {@link Write} carries that start and the call's own round trip (the floor of any latency).
 */
final class RaceWriter implements AutoCloseable {
    private static final int IN_FLIGHT = 2_000;
    private static final Duration BULK_TIMEOUT = Duration.ofMinutes(5);

    /** One registered instance in the writer's model. */
    record Entry(String name, int port) {
    }

    /** A write: the znode it created or touched, when it started, and its round trip, in ns. */
    record Write(String znode, long startNanos, long roundTripNanos) {
    }

    private final CuratorFramework client;
    private final RaceFormat format;
    private final String service;
    private final String path;
    private final Map<String, Entry> model = new LinkedHashMap<>();

    RaceWriter(String connectString, RaceFormat format, String service, String path) throws InterruptedException {
        this.format = format;
        this.service = service;
        this.path = path;
        this.client = CuratorFrameworkFactory.builder().connectString(connectString).sessionTimeoutMs(20_000)
                .connectionTimeoutMs(10_000).retryPolicy(new RetryOneTime(200)).build();
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("writer could not connect to " + connectString);
        }
    }

    String path() {
        return path;
    }

    /** The model: znode name to instance, in creation order. */
    Map<String, Entry> model() {
        return model;
    }

    /** Creates {@code n} instances {@code i0..i<n-1>} with pipelined asynchronous creates. */
    void populate(int n) throws Exception {
        client.createContainers(path);
        Semaphore slots = new Semaphore(IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<String> failure = new AtomicReference<>();
        Map<String, Entry> created = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = "i" + i;
            int port = 10_000 + i % 50_000;
            byte[] data = format.data(service, name, port);
            slots.acquire();
            client.create().withMode(format.createMode()).inBackground((CuratorFramework c, CuratorEvent e) -> {
                if (e.getResultCode() == KeeperException.Code.OK.intValue()) {
                    created.put(childOf(e.getName()), new Entry(name, port));
                } else {
                    failure.compareAndSet(null, e.getPath() + ": " + KeeperException.Code.get(e.getResultCode()));
                }
                slots.release();
                done.countDown();
            }).forPath(path + "/" + format.childName(name, data), data);
        }
        if (!done.await(BULK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || failure.get() != null) {
            throw new IllegalStateException("could not create " + n + " instances under " + path + ": " + failure.get());
        }
        List<Map.Entry<String, Entry>> ordered = new ArrayList<>(created.entrySet());
        ordered.sort(Comparator.comparingInt(e -> Integer.parseInt(e.getValue().name().substring(1))));
        ordered.forEach(e -> model.put(e.getKey(), e.getValue()));
    }

    /** Creates instance {@code name} on {@code port}. */
    Write join(String name, int port) throws Exception {
        byte[] data = format.data(service, name, port);
        String child = format.childName(name, data);
        long start = System.nanoTime();
        String created = client.create().withMode(format.createMode()).forPath(path + "/" + child, data);
        long rtt = System.nanoTime() - start;
        String znode = childOf(created);
        model.put(znode, new Entry(name, port));
        return new Write(znode, start, rtt);
    }

    /** Deletes {@code znode}. */
    Write leave(String znode) throws Exception {
        long start = System.nanoTime();
        client.delete().forPath(path + "/" + znode);
        long rtt = System.nanoTime() - start;
        model.remove(znode);
        return new Write(znode, start, rtt);
    }

    /**
     * Gives {@code znode}'s instance a new port: a setData, or with path encoding a new node under
     * the new name (created first) and the old one deleted, as Nerve does. The returned znode is the
     * one that carries the new port.
     */
    Write changePort(String znode, int port) throws Exception {
        Entry old = model.get(znode);
        if (old == null) {
            throw new IllegalArgumentException("no instance at " + znode);
        }
        byte[] data = format.data(service, old.name(), port);
        long start = System.nanoTime();
        if (!format.replacesOnDataChange()) {
            client.setData().forPath(path + "/" + znode, data);
            long rtt = System.nanoTime() - start;
            model.put(znode, new Entry(old.name(), port));
            return new Write(znode, start, rtt);
        }
        String created = client.create().withMode(format.createMode())
                .forPath(path + "/" + format.childName(old.name(), data), data);
        client.delete().forPath(path + "/" + znode);
        long rtt = System.nanoTime() - start;
        model.remove(znode);
        String newZnode = childOf(created);
        model.put(newZnode, new Entry(old.name(), port));
        return new Write(newZnode, start, rtt);
    }

    /** ZooKeeper's truth: every child's name and port, read now (pipelined getData). */
    Map<String, Integer> readTruth() throws Exception {
        List<String> children = client.getChildren().forPath(path);
        Map<String, Integer> truth = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        CountDownLatch done = new CountDownLatch(children.size());
        for (String child : children) {
            slots.acquire();
            client.getData().inBackground((CuratorFramework c, CuratorEvent e) -> {
                if (e.getResultCode() == KeeperException.Code.OK.intValue()) {
                    truth.put(child, RaceFormat.portOf(e.getData()));
                }
                slots.release();
                done.countDown();
            }).forPath(path + "/" + child);
        }
        if (!done.await(BULK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("could not read " + children.size() + " children of " + path);
        }
        return new HashMap<>(truth);
    }

    /** The model as znode name to port, comparable with {@link #readTruth()} and a watcher's view. */
    Map<String, Integer> modelPorts() {
        Map<String, Integer> ports = new HashMap<>();
        model.forEach((znode, e) -> ports.put(znode, e.port()));
        return ports;
    }

    /**
     * Ends another client's session on the server, as an expiry does: attaches to it with its id and
     * password, then closes it. Its ephemeral nodes and watches are gone; the client learns that its
     * session expired when it next reaches the server.
     */
    static void expireSession(String connectString, long sessionId, byte[] password) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper other = new ZooKeeper(connectString, 15_000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, sessionId, password);
        try {
            if (!connected.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(sessionId));
            }
        } finally {
            other.close();
        }
    }

    private static String childOf(String fullPath) {
        return fullPath.substring(fullPath.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        client.close();
    }
}
