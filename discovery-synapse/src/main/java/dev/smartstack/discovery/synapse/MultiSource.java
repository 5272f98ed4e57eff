package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code multi} source: each watcher is a {@link SynapseWatcher} of its own (with its own
 * ZooKeeper client when it reads ZooKeeper) holding that one service, whose snapshots this source
 * takes as their output. After every snapshot of any watcher, {@link MultiResolver} combines the
 * latest ones and the result goes to the service's {@link ServiceWatch}; a watcher that has not
 * published yet counts as empty and not live. Each watcher applies its own label filters and keeps
 * its previous backends through an outage; the service's default servers, port override and leader
 * election apply once, to the combined list. A watcher's refused znodes are reported to the owning
 * watcher's listeners under the service's name (its metrics are counted by the watcher itself).
 */
final class MultiSource implements ListSource {
    private static final Logger log = LoggerFactory.getLogger(MultiSource.class);

    private final ServiceWatch sink;
    private final MultiDiscovery discovery;
    private final Map<String, SynapseWatcher> watchers = new LinkedHashMap<>();
    private final Map<String, ServiceSnapshot> latest = new HashMap<>(); // guarded by this
    // Guarded by this.
    private String chosen;
    private boolean closed;

    MultiSource(ServiceWatch sink, MultiDiscovery discovery, DiscoveryMetrics metrics, SynapseWatcher owner) {
        this.sink = sink;
        this.discovery = discovery;
        SynapseListener refusals = new SynapseListener() {
            @Override
            public void refused(String service, String znodePath, String reason) {
                owner.refused(sink.name(), znodePath, reason);
            }
        };
        discovery.watchers().forEach((name, w) -> {
            SynapseWatcher.Builder b = SynapseWatcher.builder().service(w.service()).metrics(metrics)
                    .output(snapshot -> taken(name, snapshot)).listener(refusals);
            w.zooKeeper().ifPresent(b::zooKeeper);
            watchers.put(name, b.build());
        });
    }

    @Override
    public void start() {
        log.info("synapse '{}' combines watchers {} by {}", sink.name(), discovery.order(), discovery.resolver());
        watchers.values().forEach(SynapseWatcher::start);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        watchers.values().forEach(SynapseWatcher::close);
    }

    /** A watcher's snapshot, on that watcher's output thread. */
    private void taken(String watcher, ServiceSnapshot snapshot) {
        synchronized (this) {
            // Under the lock, so that two watchers' threads never report an older combination last.
            if (closed) {
                return;
            }
            latest.put(watcher, snapshot);
            List<MultiResolver.Child> children = new ArrayList<>();
            for (String name : discovery.order()) {
                ServiceSnapshot s = latest.get(name);
                children.add(s == null ? new MultiResolver.Child(name, List.of(), false)
                        : new MultiResolver.Child(name, s.backends(), s.live()));
            }
            MultiResolver.Resolution r = MultiResolver.resolve(discovery.resolver(), children);
            if (r.chosen() != null && !Objects.equals(chosen, r.chosen())) {
                log.info("synapse '{}' sequential resolver picked watcher '{}' (was {})", sink.name(), r.chosen(),
                        chosen == null ? "none" : "'" + chosen + "'");
                chosen = r.chosen();
            }
            sink.report(r.backends(), r.live());
        }
    }
}
