package dev.smartstack.discovery.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;

/**
 * ZooKeeper's truth, read by a client of its own (never the agents'): the {@code host:port} of
 * every registration under a path, one entry per znode, so that a duplicate shows. Also reads the
 * watcher's {@code file_output} the same way. A {@link CuratorCache} on the path also records every
 * moment a backend was registered more than once, however briefly.
 */
public final class Registry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CuratorFramework client;
    private final String path;
    private final CuratorCache cache;
    private final Map<String, String> seen = new HashMap<>(); // znode path -> host:port; guarded by this
    private final Map<String, Integer> mostAtOnce = new TreeMap<>(); // host:port -> most znodes at once; guarded by this

    public Registry(String connectString, String path) {
        this.path = path;
        this.client = CuratorFrameworkFactory.builder().connectString(connectString).sessionTimeoutMs(30_000)
                .connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(200)).build();
        client.start();
        this.cache = CuratorCache.build(client, path);
        cache.listenable().addListener(this::changed);
        cache.start();
    }

    /** Every change under the path, as ZooKeeper reports it to a watching client: tracks duplicates. */
    private void changed(CuratorCacheListener.Type type, ChildData before, ChildData after) {
        ChildData node = after != null ? after : before;
        if (node == null || node.getPath().equals(path) || !node.getPath().startsWith(path + "/")) {
            return;
        }
        String address;
        List<String> same;
        synchronized (this) {
            if (type == CuratorCacheListener.Type.NODE_DELETED) {
                seen.remove(node.getPath());
                return;
            }
            try {
                address = address(JSON.readTree(node.getData()));
            } catch (IOException | RuntimeException e) {
                seen.remove(node.getPath());
                return;
            }
            seen.put(node.getPath(), address);
            same = seen.entrySet().stream().filter(e -> e.getValue().equals(address)).map(Map.Entry::getKey).toList();
        }
        if (same.size() < 2) {
            return;
        }
        // The cache may still hold a node deleted while this client was disconnected (it resyncs
        // creations before deletions): count only the nodes that the server still has (no lock held).
        List<String> gone = new ArrayList<>();
        for (String p : same) {
            try {
                if (client.checkExists().forPath(p) == null) {
                    gone.add(p);
                }
            } catch (Exception e) {
                return; // not connected: no evidence either way
            }
        }
        synchronized (this) {
            gone.forEach(seen::remove);
            mostAtOnce.merge(address, same.size() - gone.size(), Math::max);
        }
    }

    /**
     * The backends that a watching client saw registered more than once at the same time since the
     * last call, with the most registrations seen at once; the record starts again.
     */
    public synchronized Map<String, Integer> duplicatesSinceLastCall() {
        Map<String, Integer> result = new TreeMap<>();
        mostAtOnce.forEach((a, n) -> {
            if (n > 1) {
                result.put(a, n);
            }
        });
        mostAtOnce.clear();
        return result;
    }

    /** Every registration's {@code host:port}, sorted, duplicates kept; empty when the path does not exist. */
    public List<String> registrations() throws Exception {
        if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
            throw new IOException("the observer is not connected to ZooKeeper");
        }
        List<String> children;
        try {
            children = client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (String child : children) {
            try {
                result.add(address(JSON.readTree(client.getData().forPath(path + "/" + child))));
            } catch (KeeperException.NoNodeException gone) {
                // deleted between the two reads
            }
        }
        Collections.sort(result);
        return result;
    }

    /** The watcher's file output ({@code <service>.json}, an array of backends) as sorted {@code host:port}s. */
    public static List<String> fileOutput(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (JsonNode b : JSON.readTree(Files.readAllBytes(file))) {
            result.add(address(b));
        }
        Collections.sort(result);
        return result;
    }

    private static String address(JsonNode n) {
        return n.path("host").asText() + ":" + n.path("port").asInt();
    }

    @Override
    public void close() {
        cache.close();
        client.close();
    }
}
