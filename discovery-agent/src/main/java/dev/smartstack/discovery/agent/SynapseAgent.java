package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.FileOutput;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synapse as the daemon runs it: one {@link SynapseWatcher} (and one ZooKeeper client) per
 * distinct {@code discovery.hosts}, holding every service that uses those hosts, all feeding the
 * same generators ({@code file_output}, {@code haproxy}). The agent owns the generators: it starts
 * them once with every service before the watchers, and closes them after the watchers; the
 * watchers only hand them snapshots (each service from one watcher), and both generators take
 * snapshots from several threads. Services with {@code discovery.method: base} need no ZooKeeper:
 * their {@code default_servers} are handed to the generators once, at start. The {@code dns} and
 * {@code multi} services share one more watcher, which has no ZooKeeper client (each of multi's
 * ZooKeeper watchers has its own); {@link SynapseServices} maps each service onto the builders.
 *
 * <p>With {@code haproxy.state_file_path}, the watcher keeps its state file there; when the
 * services use several ZooKeeper clusters, each cluster's watcher keeps its own file,
 * {@code <state_file_path>.<connect string with '/' and ',' replaced by '_'>}, and the watcher of
 * the {@code dns} and {@code multi} services {@code <state_file_path>.local}.
 *
 * <p>{@link #reconfigure(SynapseAgent)} applies a new config in place only when nothing but
 * services' {@code haproxy} sections changed (each present before and after): those go to
 * {@link HaproxyOutput#configure(String, HaproxyService)}, so a managed HAProxy is reloaded, not
 * restarted. Any other change is refused there, and the daemon rebuilds the agent.
 *
 * <p>A zookeeper service's HAProxy settings may also come from a znode ({@code generator_config_path},
 * by default its {@code discovery.path}): {@link GeneratorConfigs} watches them on the client of the
 * service's watcher, which the agent then builds, starts and closes itself.
 */
public final class SynapseAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SynapseAgent.class);
    /** The key of the watcher for the dns and multi services, which has no ZooKeeper client. */
    private static final String NO_ZOOKEEPER = "";

    private volatile SynapseConfig config;
    private final FileOutput fileOutput;
    /** Services with {@code file_output: {disabled: true}}: the file output never sees them. */
    private final Set<String> noFileOutput;
    private final HaproxyOutput haproxyOutput;
    private final List<SnapshotOutput> outputs;
    private final List<SynapseWatcher> watchers;
    private final List<ServiceSnapshot> staticSnapshots;
    /** Settings read from znodes, and the ZooKeeper clients the agent built for them (by connect string). */
    private final GeneratorConfigs generatorConfigs;
    private final Map<String, CuratorFramework> clients;
    private final AgentAdmin admin;
    private final SynapseStatus status;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    private SynapseAgent(SynapseConfig config, FileOutput fileOutput, Set<String> noFileOutput,
            HaproxyOutput haproxyOutput, List<SnapshotOutput> outputs, List<SynapseWatcher> watchers,
            List<ServiceSnapshot> staticSnapshots, AgentAdmin admin, SynapseStatus status,
            GeneratorConfigs generatorConfigs, Map<String, CuratorFramework> clients) {
        this.generatorConfigs = generatorConfigs;
        this.clients = clients;
        this.admin = admin;
        this.status = status;
        this.config = config;
        this.fileOutput = fileOutput;
        this.noFileOutput = Set.copyOf(noFileOutput);
        this.haproxyOutput = haproxyOutput;
        this.outputs = outputs;
        this.watchers = watchers;
        this.staticSnapshots = staticSnapshots;
    }

    /**
     * Builds (without I/O) the outputs and watchers for {@code config}.
     *
     * @throws ConfigException when a value passes the config reader but not a component's checks
     */
    public static SynapseAgent plan(SynapseConfig config, String shownAs) {
        AgentAdmin admin = AgentAdmin.of(config.admin(), config.statsd());
        SynapseStatus status = new SynapseStatus(List.copyOf(config.services().keySet()), admin.registry(),
                config.haproxy().isPresent());
        FileOutput fileOutput = config.fileOutput()
                .map(f -> FileOutput.builder().directory(f.outputDirectory()).build()).orElse(null);
        Set<String> noFile = new LinkedHashSet<>();
        config.services().values().stream().filter(SynapseConfig.Service::fileOutputDisabled)
                .forEach(s -> noFile.add(s.name()));
        warnAcceptedWithoutEffect(config);
        HaproxyOutput haproxyOutput = config.haproxy().isPresent()
                ? HaproxyGenerator.output(config, shownAs, admin.metrics(), status.haproxy()) : null;
        List<SnapshotOutput> outputs = new ArrayList<>();
        if (fileOutput != null) {
            outputs.add(noFile.isEmpty() ? fileOutput : new ExcludingOutput(fileOutput, noFile));
        }
        if (haproxyOutput != null) {
            outputs.add(haproxyOutput);
        }
        Map<String, List<WatchedService>> byHosts = new LinkedHashMap<>();
        Map<String, SynapseConfig.RetryPolicy> retries = new LinkedHashMap<>();
        List<ServiceSnapshot> statics = new ArrayList<>();
        Instant now = Instant.now();
        for (SynapseConfig.Service s : config.services().values()) {
            List<ServiceInstance> defaults = s.defaultServers().stream()
                    .map(SynapseServices::server).toList();
            if (s.method().equals("base")) {
                statics.add(ServiceSnapshot.next(ServiceSnapshot.initial(s.name()), defaults,
                        ServiceSnapshot.Source.DEFAULT_SERVERS, true, now));
                continue;
            }
            WatchedService service;
            try {
                service = SynapseServices.watched(s, config.zkSessionTimeout());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services." + s.name(), e.getMessage());
            }
            if (!s.usesZooKeeper()) {
                // dns and multi: one watcher without a ZooKeeper client (multi's watchers bring their own)
                byHosts.computeIfAbsent(NO_ZOOKEEPER, k -> new ArrayList<>()).add(service);
                continue;
            }
            byHosts.computeIfAbsent(s.connectString(), k -> new ArrayList<>()).add(service);
            retryPolicy(retries, s);
        }
        Optional<Path> stateFile = config.haproxy().flatMap(SynapseConfig.Haproxy::stateFilePath);
        GeneratorConfigs generatorConfigs = new GeneratorConfigs(config, haproxyOutput, admin.metrics(), status);
        Map<String, CuratorFramework> clients = new LinkedHashMap<>();
        List<SynapseWatcher> watchers = new ArrayList<>();
        byHosts.forEach((hosts, services) -> {
            SynapseWatcher.Builder b = SynapseWatcher.builder().metrics(admin.metrics()).listener(status);
            if (!hosts.equals(NO_ZOOKEEPER)) {
                ZooKeeperSettings.Builder zk = config.zkSecurity().applyTo(ZooKeeperSettings.builder()
                        .connectString(hosts).sessionTimeout(config.zkSessionTimeout()));
                if (retries.containsKey(hosts)) {
                    zk.retryPolicy(new RubyRetryPolicy(retries.get(hosts)));
                }
                if (generatorConfigs.watches(hosts)) {
                    // The settings' watches share the watcher's client: the agent builds it, the watcher borrows it.
                    CuratorFramework client = zk.build().newClient();
                    clients.put(hosts, client);
                    b.curator(client);
                } else {
                    b.zooKeeper(zk.build());
                }
            }
            services.forEach(b::service);
            outputs.forEach(b::output);
            if (stateFile.isPresent()) {
                Path p = stateFile.get();
                if (byHosts.size() > 1) {
                    p = p.resolveSibling(p.getFileName() + "." + (hosts.equals(NO_ZOOKEEPER) ? "local"
                            : hosts.replace('/', '_').replace(',', '_')));
                }
                b.stateFile(p).stateFileTtl(config.haproxy().orElseThrow().stateFileTtl());
            }
            try {
                watchers.add(b.build());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services", e.getMessage());
            }
        });
        List<String> hosts = List.copyOf(byHosts.keySet());
        List<SynapseWatcher> built = List.copyOf(watchers);
        status.watchers(() -> {
            List<SynapseStatus.Watcher> list = new ArrayList<>();
            for (int i = 0; i < built.size(); i++) {
                list.add(new SynapseStatus.Watcher(hosts.get(i).equals(NO_ZOOKEEPER) ? "none" : hosts.get(i),
                        built.get(i).state().name()));
            }
            return list;
        });
        return new SynapseAgent(config, fileOutput, noFile, haproxyOutput, List.copyOf(outputs), built,
                List.copyOf(statics), admin, status, generatorConfigs, Collections.unmodifiableMap(clients));
    }

    /**
     * Services on the same hosts share one ZooKeeper client, hence one retry policy: the first
     * service's {@code retry_policy}; a different one on another service is logged and not used.
     */
    private static void retryPolicy(Map<String, SynapseConfig.RetryPolicy> retries, SynapseConfig.Service s) {
        s.discovery().retryPolicy().ifPresent(p -> {
            SynapseConfig.RetryPolicy first = retries.putIfAbsent(s.connectString(), p);
            if (first != null && !first.equals(p)) {
                log.warn("synapse '{}': retry_policy {} differs from {} of an earlier service on the same hosts, which "
                        + "share one ZooKeeper client; the earlier one applies", s.name(), p, first);
            }
        });
        s.discovery().discoveryJitter().ifPresent(j -> log.warn("synapse '{}': discovery_jitter is accepted but has no "
                + "effect here: a change costs one read of the changed child, never a re-read of all of them", s.name()));
    }

    /** Ruby's poll loop wakes every 0.5 s, so a {@code polling_interval_sec} below that polls each 0.5 s. */
    static Duration pollingInterval(Duration configured) {
        Duration min = Duration.ofMillis(WatchedService.Builder.MIN_POLL_MILLIS);
        return configured.compareTo(min) < 0 ? min : configured;
    }

    private static void warnAcceptedWithoutEffect(SynapseConfig config) {
        config.services().values().forEach(s -> s.loadTestConcurrency().ifPresent(n -> log.warn(
                "synapse '{}': load_test_concurrency {} is accepted but has no effect here: the service is watched once",
                s.name(), n)));
    }

    public SynapseConfig config() {
        return config;
    }

    /** The admin endpoint's port, when {@code admin} is set and the agent started. */
    public OptionalInt adminPort() {
        return admin.port();
    }

    /** One watcher, hence one ZooKeeper client, per distinct set of {@code discovery.hosts}. */
    int watcherCount() {
        return watchers.size();
    }

    /** Each watcher's state, for tests and diagnostics. */
    List<SynapseWatcher.State> watcherStates() {
        return watchers.stream().map(SynapseWatcher::state).toList();
    }

    /** The generators' outputs, in the order {@code file_output}, {@code haproxy}. */
    List<SnapshotOutput> outputs() {
        return outputs;
    }

    /** Starts the generators with every service, hands them the static services, then starts the watchers. */
    public SynapseAgent start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("SynapseAgent cannot be started twice");
        }
        log.info("synapse starting: services {}, generators {}", config.services().keySet(), config.generators());
        admin.start(status::document, status::unhealthy);
        LinkedHashSet<String> names = new LinkedHashSet<>(config.services().keySet());
        names.removeAll(noFileOutput);
        if (fileOutput != null) {
            try {
                fileOutput.start(names);
            } catch (RuntimeException e) {
                log.error("synapse file_output failed to start: {}", String.valueOf(e));
            }
        }
        if (haproxyOutput != null) {
            haproxyOutput.start();
        }
        for (ServiceSnapshot s : staticSnapshots) {
            log.info("synapse '{}' uses its {} default servers (discovery method base)", s.service(), s.backends().size());
            for (SnapshotOutput o : outputs) {
                try {
                    o.update(s);
                } catch (RuntimeException e) {
                    log.error("synapse output {} failed on '{}': {}", o, s.service(), String.valueOf(e));
                }
            }
            status.served(s);
        }
        clients.values().forEach(CuratorFramework::start);
        watchers.forEach(SynapseWatcher::start);
        clients.forEach(generatorConfigs::start);
        return this;
    }

    /**
     * Applies {@code next}'s config in place when only services' {@code haproxy} sections changed,
     * each present in both configs. {@code next} must come from {@link #plan} and never be started.
     *
     * @return false, changing nothing, when anything else changed or this agent is not running
     */
    public synchronized boolean reconfigure(SynapseAgent next) {
        SynapseConfig old = config;
        SynapseConfig neu = next.config;
        if (!started.get() || closed.get() || !old.serviceConfDir().equals(neu.serviceConfDir())
                || !old.fileOutput().equals(neu.fileOutput()) || !old.haproxy().equals(neu.haproxy())
                || !old.zkSessionTimeout().equals(neu.zkSessionTimeout()) || !old.zkSecurity().equals(neu.zkSecurity())
                || !old.admin().equals(neu.admin()) || !old.statsd().equals(neu.statsd())
                || !List.copyOf(old.services().keySet()).equals(List.copyOf(neu.services().keySet()))) {
            return false;
        }
        Optional<HaproxyOutput> haproxy = Optional.ofNullable(haproxyOutput);
        Map<String, SynapseConfig.ServiceHaproxy> changed = new LinkedHashMap<>();
        for (SynapseConfig.Service o : old.services().values()) {
            SynapseConfig.Service n = neu.services().get(o.name());
            if (!withoutHaproxy(o).equals(withoutHaproxy(n))) {
                return false;
            }
            if (!o.haproxy().equals(n.haproxy())) {
                if (o.haproxy().isEmpty() || n.haproxy().isEmpty() || haproxy.isEmpty()) {
                    return false;
                }
                changed.put(n.name(), n.haproxy().get());
            }
        }
        if (changed.isEmpty()) {
            return false;
        }
        log.info("synapse reconfiguring HAProxy in place for {}", changed.keySet());
        changed.forEach(generatorConfigs::fileSection);
        config = neu;
        return true;
    }

    private static SynapseConfig.Service withoutHaproxy(SynapseConfig.Service s) {
        return new SynapseConfig.Service(s.name(), s.method(), s.path(), s.hosts(), s.decodeMethod(), s.endpointName(),
                s.labelFilters(), s.defaultServers(), s.keepDefaultServers(), s.usePreviousBackends(),
                s.backendPortOverride(), s.leaderElection(), Optional.empty(), s.discovery(), s.fileOutputDisabled(),
                s.loadTestConcurrency());
    }

    /** Waits until every watched service has its first snapshot; true when they all do. */
    public boolean awaitInitialized(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SynapseWatcher w : watchers) {
            if (!w.awaitInitialized(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closedLatch.await();
    }

    /** Stops the watchers, then closes the generators it started. Output files are left in place. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("synapse stopping");
        generatorConfigs.close();
        watchers.forEach(SynapseWatcher::close);
        clients.values().forEach(CuratorFramework::close);
        if (haproxyOutput != null) {
            haproxyOutput.close(); // saves the server state, then stops a managed HAProxy once
        }
        admin.close();
        log.info("synapse stopped");
        closedLatch.countDown();
    }
}
