package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.core.ServiceInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import dev.smartstack.discovery.synapse.SynapseListener;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What the synapse agent serves on {@code /status} and {@code /health}: fed by every watcher's
 * {@link SynapseListener} events (quick, no I/O) and read by the admin server's thread.
 *
 * <p>Per service: its discovery state ({@code STARTING}, {@code LIVE}, {@code STALE}, or
 * {@code STATE_FILE} when its backends came from the state file), the backends it serves, and the
 * last {@value #MAX_REFUSED} refused znodes with their reasons (plus the total count).
 */
final class SynapseStatus implements SynapseListener {
    /** How many refused znodes each service keeps for {@code /status}. */
    static final int MAX_REFUSED = 20;
    /** How many output failures are kept. */
    static final int MAX_OUTPUT_FAILURES = 20;

    /** A refused znode. */
    record Refused(String znode, String reason, String time) {
    }

    /** A failure of an output (a generator). */
    record OutputFailure(String output, String service, String error, String time) {
    }

    /** One service on {@code /status}. */
    record Service(String state, String source, long version, String updated, List<String> backends,
            long refusedTotal, List<Refused> refused) {
    }

    /** One watcher (one ZooKeeper cluster) on {@code /status}. */
    record Watcher(String hosts, String state) {
    }

    /** The whole {@code /status} document. */
    record Document(String agent, List<Watcher> watchers, Map<String, Service> services,
            List<OutputFailure> outputFailures, HaproxyStatus.Document haproxy) {
    }

    /** The gauge of the backends each service serves now. Tag: service. */
    static final String BACKENDS = "smartstack.synapse.backends";
    /** The gauge of each watcher's state: 1 while LIVE, else 0. Tag: hosts. */
    static final String LIVE = "smartstack.synapse.zookeeper.live";

    private final Map<String, ServiceSnapshot> snapshots = new ConcurrentHashMap<>();
    private final Map<String, Deque<Refused>> refused = new ConcurrentHashMap<>();
    private final Map<String, Long> refusedTotal = new ConcurrentHashMap<>();
    private final Deque<OutputFailure> outputFailures = new ArrayDeque<>();
    private final List<String> services;
    private final Map<String, AtomicInteger> sizes = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final HaproxyStatus haproxy;
    private final boolean haproxyConfigured;
    private volatile Supplier<List<Watcher>> watchers = List::of;

    /** @param haproxyConfigured whether {@code /status} has a {@code haproxy} part (else it is null) */
    SynapseStatus(List<String> services, MeterRegistry registry, boolean haproxyConfigured) {
        this.haproxyConfigured = haproxyConfigured;
        this.services = List.copyOf(services);
        this.registry = registry;
        this.haproxy = new HaproxyStatus(this);
    }

    /** The HAProxy output's listener. */
    HaproxyStatus haproxy() {
        return haproxy;
    }

    /** Where the watchers' states are read from (set once the watchers are built). */
    void watchers(Supplier<List<Watcher>> source) {
        this.watchers = source;
        for (Watcher w : source.get()) {
            registry.gauge(LIVE, Tags.of("hosts", w.hosts()), this, s -> s.watchers.get().stream()
                    .anyMatch(x -> x.hosts().equals(w.hosts()) && x.state().equals(SynapseWatcher.State.LIVE.name())) ? 1 : 0);
        }
    }

    @Override
    public void refused(String service, String znodePath, String reason) {
        refusedTotal.merge(service, 1L, Long::sum);
        Deque<Refused> q = refused.computeIfAbsent(service, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addLast(new Refused(znodePath, reason, Instant.now().toString()));
            while (q.size() > MAX_REFUSED) {
                q.removeFirst();
            }
        }
    }

    @Override
    public void published(ServiceSnapshot snapshot) {
        ServiceSnapshot now = snapshots.merge(snapshot.service(), snapshot, (a, b) -> b.version() >= a.version() ? b : a);
        sizes.computeIfAbsent(snapshot.service(), k -> registry.gauge(BACKENDS, Tags.of("service", k), new AtomicInteger()))
                .set(now.backends().size());
    }

    /** Static ({@code base}) services are handed to the outputs without a watcher. */
    void served(ServiceSnapshot snapshot) {
        published(snapshot);
    }

    @Override
    public void outputFailed(SnapshotOutput output, ServiceSnapshot snapshot, Throwable error) {
        synchronized (outputFailures) {
            outputFailures.addLast(new OutputFailure(String.valueOf(output), snapshot == null ? "" : snapshot.service(),
                    error.toString(), Instant.now().toString()));
            while (outputFailures.size() > MAX_OUTPUT_FAILURES) {
                outputFailures.removeFirst();
            }
        }
    }

    static String discoveryState(ServiceSnapshot s) {
        if (s == null) {
            return "STARTING";
        }
        if (s.source() == ServiceSnapshot.Source.STATE_FILE) {
            return "STATE_FILE";
        }
        return s.live() ? "LIVE" : "STALE";
    }

    Document document() {
        Map<String, Service> out = new LinkedHashMap<>();
        for (String name : services) {
            ServiceSnapshot s = snapshots.get(name);
            Deque<Refused> q = refused.get(name);
            List<Refused> r;
            if (q == null) {
                r = List.of();
            } else {
                synchronized (q) {
                    r = List.copyOf(q);
                }
            }
            out.put(name, new Service(discoveryState(s), s == null ? "" : s.source().name(), s == null ? 0 : s.version(),
                    s == null ? "" : s.time().toString(),
                    s == null ? List.of() : s.backends().stream().map(SynapseStatus::backend).toList(),
                    refusedTotal.getOrDefault(name, 0L), r));
        }
        List<OutputFailure> failures;
        synchronized (outputFailures) {
            failures = List.copyOf(outputFailures);
        }
        return new Document("synapse", watchers.get(), out, failures, haproxyConfigured ? haproxy.document() : null);
    }

    /** Empty while every watcher is LIVE; else which are not. */
    Optional<String> unhealthy() {
        List<String> bad = new ArrayList<>();
        for (Watcher w : watchers.get()) {
            if (!w.state().equals(SynapseWatcher.State.LIVE.name())) {
                bad.add("ZooKeeper " + w.hosts() + " is " + w.state());
            }
        }
        return bad.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", bad));
    }

    private static String backend(ServiceInstance i) {
        return i.name() + " " + i.address();
    }
}
