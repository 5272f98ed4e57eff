package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZnodeDecoder;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SynapseListener;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/**
 * Our {@link SynapseWatcher} on one service path with a decode method, on a borrowed Curator
 * client. The view is the latest published snapshot, kept as two maps updated from each
 * snapshot's delta (added, changed, removed) on the publish thread, with a running view hash, so
 * that testing any expectation costs O(1) and the harness adds no O(N) work per change.
 */
final class SynapseSide extends RaceSide {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final SynapseWatcher watcher;
    private final Map<String, ServiceInstance> byZnode = new ConcurrentHashMap<>();
    private final Map<String, ServiceInstance> byName = new ConcurrentHashMap<>();
    private final CountDownLatch liveOnce = new CountDownLatch(1);
    private volatile boolean live;
    /** {@link Expectation#hash} summed over {@link #byZnode}, kept up to date by {@link #apply}. */
    private volatile long hash;

    SynapseSide(PrintStream out, CuratorFramework client, String servicePath, String decodeMethod) {
        super(out);
        String name = servicePath.substring(servicePath.lastIndexOf('/') + 1);
        watcher = SynapseWatcher.builder().curator(client)
                .service(WatchedService.builder().name(name).path(servicePath)
                        .decoder(ZnodeDecoder.forMethod(decodeMethod, null)).build())
                .listener(new SynapseListener() {
                    @Override
                    public void published(ServiceSnapshot snapshot) {
                        apply(snapshot);
                        changed();
                    }

                    @Override
                    public void stateChanged(SynapseWatcher.State from, SynapseWatcher.State to) {
                        if (to == SynapseWatcher.State.LIVE) {
                            liveOnce.countDown();
                        }
                    }
                }).build();
    }

    /** Applies one snapshot's delta; on the publish thread only, so the running hash needs no lock. */
    private void apply(ServiceSnapshot s) {
        for (ServiceInstance i : s.removed()) {
            ServiceInstance before = byZnode.remove(keyOf(i));
            if (before != null) {
                hash -= Expectation.hash(keyOf(before), before.port());
                byName.remove(before.name(), before);
            }
        }
        for (ServiceInstance i : s.added()) {
            put(i);
        }
        for (ServiceInstance i : s.changed()) {
            put(i);
        }
        live = s.live();
    }

    private void put(ServiceInstance i) {
        ServiceInstance before = byZnode.put(keyOf(i), i);
        if (before != null) {
            hash -= Expectation.hash(keyOf(before), before.port());
            byName.remove(before.name(), before);
        }
        hash += Expectation.hash(keyOf(i), i.port());
        byName.put(i.name(), i);
    }

    private static String keyOf(ServiceInstance i) {
        return i.znodeName().orElse(i.key());
    }

    @Override
    void start() throws Exception {
        watcher.start();
        if (!liveOnce.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("SynapseWatcher not LIVE within " + START_TIMEOUT + ": " + watcher.state());
        }
    }

    @Override
    Expectation.View view() {
        return new Expectation.View() {
            @Override
            public boolean hasZnode(String znode) {
                return byZnode.containsKey(znode);
            }

            @Override
            public int portOf(String znode) {
                ServiceInstance i = byZnode.get(znode);
                return i == null ? -1 : i.port();
            }

            @Override
            public boolean hasName(String name, int port) {
                ServiceInstance i = byName.get(name);
                return i != null && i.port() == port;
            }

            @Override
            public int size() {
                return byZnode.size();
            }

            @Override
            public long hash() {
                return hash;
            }

            @Override
            public boolean live() {
                return live;
            }
        };
    }

    @Override
    Map<String, Integer> ports() {
        Map<String, Integer> ports = new HashMap<>();
        byZnode.forEach((z, i) -> ports.put(z, i.port()));
        return ports;
    }

    @Override
    void stop() {
        watcher.close();
    }
}
