package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nerve as the daemon runs it: one {@link NerveReporter} per service, sharing one ZooKeeper client
 * per distinct {@code zk_hosts}, plus the heartbeat file.
 *
 * <p>{@link #reconfigure(NerveAgent)} applies a changed config in place, as Ruby Nerve does on
 * SIGHUP: services whose entry is unchanged keep running untouched (same znode, no
 * deregistration); removed and changed services are deregistered; added and changed services are
 * started. A change of {@code instance_id}, {@code zk_session_timeout}, {@code zk_auth} or {@code zk_tls} (a
 * password read again from its file included) touches every service
 * and every client, so it is refused there and the daemon rebuilds the whole agent instead.
 */
public final class NerveAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NerveAgent.class);
    /** How often {@code heartbeat_path} is written. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

    /**
     * A service as planned: its config entry, the reporter's view of it, and the key of the
     * ZooKeeper client it uses: its connect string, plus {@code #n} for the n-th further service
     * that registers sequential nodes under the same prefix (see {@link #plan}).
     */
    private record Planned(NerveConfig.Service entry, NerveService service, String clientKey) {
    }

    /** A started service: its plan and its own reporter. */
    private record Running(Planned plan, NerveReporter reporter) {
    }

    private final Object lock = new Object();
    private final Map<String, Planned> planned;
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private volatile NerveConfig config;
    private final Map<String, Running> running = new LinkedHashMap<>(); // guarded by lock
    private final Map<String, CuratorFramework> clients = new LinkedHashMap<>(); // by client key; guarded by lock
    private boolean started; // guarded by lock
    private ScheduledExecutorService heartbeat; // guarded by lock

    private final AgentAdmin admin;
    private final NerveStatus status;

    private NerveAgent(NerveConfig config, Map<String, Planned> planned) {
        this.config = config;
        this.planned = planned;
        this.admin = AgentAdmin.of(config.admin(), config.statsd());
        this.status = new NerveStatus(config.instanceId(), this::serviceNames, this::clientStates, this::registeredPath,
                name -> failures.getOrDefault(name, new AtomicInteger()).get());
    }

    private List<String> serviceNames() {
        synchronized (lock) {
            return List.copyOf(running.keySet());
        }
    }

    private List<NerveStatus.Client> clientStates() {
        Map<String, CuratorFramework> copy;
        synchronized (lock) {
            copy = new LinkedHashMap<>(clients);
        }
        List<NerveStatus.Client> out = new ArrayList<>();
        copy.forEach((key, c) -> out.add(new NerveStatus.Client(key, c.getZookeeperClient().isConnected())));
        return out;
    }

    /** The admin endpoint's port, when {@code admin} is set and the agent started. */
    public java.util.OptionalInt adminPort() {
        return admin.port();
    }

    /**
     * Checks {@code config} and plans one reporter per service, without I/O.
     *
     * @throws ConfigException when a value passes the config reader but not the reporter's checks
     */
    public static NerveAgent plan(NerveConfig config, String shownAs) {
        warnAcceptedWithoutEffect(config);
        Map<String, Planned> planned = new LinkedHashMap<>();
        // Services on one cluster must not register the same node (NerveReporter.Builder checks
        // the same within one reporter; here each service has its own). Sequential nodes under one
        // prefix are distinct nodes, and Ruby allows them (its own example does it), but a reporter
        // treats the prefix's nodes of its session as its own stale ones: so each further service
        // on a prefix gets its own ZooKeeper client, hence its own session.
        Map<String, List<NerveService>> byPrefix = new HashMap<>();
        for (NerveConfig.Service s : config.services().values()) {
            NerveService service;
            try {
                service = toService(config, s);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownAs, "services." + s.name(), e.getMessage());
            }
            boolean sequential = service.nodeType().sequential();
            String prefix = service.nodePrefix();
            List<NerveService> same = byPrefix.computeIfAbsent(s.connectString() + prefix, k -> new ArrayList<>());
            if (!same.isEmpty() && !sequential) {
                throw new ConfigException(shownAs, "services", "services \"" + same.get(0).name() + "\" and \""
                        + s.name() + "\" register the same node " + prefix);
            }
            String clientKey = same.isEmpty() ? s.connectString() : s.connectString() + "#" + same.size();
            same.add(service);
            planned.put(s.name(), new Planned(s, service, clientKey));
        }
        return new NerveAgent(config, Collections.unmodifiableMap(planned));
    }

    private static void warnAcceptedWithoutEffect(NerveConfig config) {
        config.prometheus().filter(p -> !config.admin().equals(Optional.of(p))).ifPresent(p -> log.warn(
                "nerve: prometheus ({}:{}) is not used: admin ({}) serves /metrics", p.bind(), p.port(),
                config.admin().map(a -> a.bind() + ":" + a.port()).orElse("")));
        for (NerveConfig.Service s : config.services().values()) {
            s.loadTestConcurrency().ifPresent(n -> log.warn("nerve '{}': load_test_concurrency {} is accepted but has no "
                    + "effect here: the service registers once", s.name(), n));
            if (s.ttlSeconds().isPresent() && s.nodeType().startsWith("ephemeral")) {
                log.warn("nerve '{}': ttl_seconds has no effect with node_type {} (as in Ruby, it renews persistent nodes only)",
                        s.name(), s.nodeType());
            }
        }
    }

    private static ZooKeeperSettings settings(NerveConfig config, String hosts) {
        return config.zkSecurity().applyTo(ZooKeeperSettings.builder().connectString(hosts)
                .sessionTimeout(config.zkSessionTimeout())).build();
    }

    private static NerveService toService(NerveConfig config, NerveConfig.Service s) {
        NerveService.Builder b = NerveService.builder()
                .name(s.name()).instanceId(config.instanceId()).host(s.host()).port(s.port())
                .zkPath(s.zkPath()).checkInterval(s.checkInterval()).labels(s.labels())
                .nodeType(NerveService.NodeType.valueOf(s.nodeType().toUpperCase(Locale.ROOT)))
                .checkMocked(s.checkMocked()).usePathEncoding(s.usePathEncoding());
        s.weight().ifPresent(b::weight);
        if (!s.nodeType().startsWith("ephemeral")) {
            s.ttlSeconds().ifPresent(t -> b.ttl(Duration.ofSeconds(t)));
        }
        s.haproxyServerOptions().ifPresent(b::haproxyServerOptions);
        s.rateLimiting().ifPresent(r -> b.rateLimit(new NerveService.RateLimit(r.averageRate(), r.maxBurst(), r.shadowMode())));
        for (NerveConfig.Check c : s.checks()) {
            HealthCheck check = switch (c.type()) {
                case "http" -> HealthChecks.http().host(c.host()).port(c.port()).uri(c.uri().orElseThrow())
                        .timeout(c.timeout()).openTimeout(c.openTimeout()).readTimeout(c.readTimeout())
                        .headers(c.headers()).expect(c.expect().orElse(null)).ssl(c.ssl()).build();
                case "tcp" -> HealthChecks.tcp(c.host(), c.port(), c.timeout());
                case "redis" -> HealthChecks.redis(c.host(), c.port(), c.timeout());
                case "noop" -> HealthChecks.noop();
                case "rabbitmq" -> HealthChecks.rabbitmq(c.host(), c.port(), c.username(), c.password().reveal(), c.timeout());
                default -> new CommandCheck(c.name(), c.command(), c.timeout());
            };
            b.check(new NamedCheck(c.name(), check), c.rise(), c.fall());
        }
        return b.build();
    }

    /**
     * One ZooKeeper client per distinct set of {@code zk_hosts} among the planned services, plus
     * one for each further service with sequential nodes under an already used prefix.
     */
    int clientCount() {
        return (int) planned.values().stream().map(Planned::clientKey).distinct().count();
    }

    /** The config running now (after an in-place {@link #reconfigure}, the new one). */
    public NerveConfig config() {
        return config;
    }

    /**
     * Starts the ZooKeeper clients, one reporter per service and the heartbeat.
     *
     * @throws IllegalStateException if already started or closed
     */
    public NerveAgent start() {
        synchronized (lock) {
            if (started || closed.get()) {
                throw new IllegalStateException("NerveAgent can be started only once");
            }
            started = true;
            log.info("nerve starting: instance_id {}, services {}", config.instanceId(), config.services().keySet());
            admin.start(status::document, status::unhealthy);
            planned.values().forEach(this::startService);
            startHeartbeat(config);
        }
        return this;
    }

    /**
     * Applies {@code next}'s config to this running agent in place, when it can: unchanged services
     * are left alone, removed and changed ones are deregistered and stopped, then added and changed
     * ones are started. {@code next} must come from {@link #plan} and never be started.
     *
     * @return false, changing nothing, when this agent is not running or when {@code instance_id}
     *     or {@code zk_session_timeout}, {@code zk_auth} or {@code zk_tls} changed (the caller then rebuilds the
     *     whole agent)
     */
    public boolean reconfigure(NerveAgent next) {
        synchronized (lock) {
            NerveConfig old = config;
            NerveConfig neu = next.config;
            if (!started || closed.get() || !old.instanceId().equals(neu.instanceId())
                    || !old.zkSessionTimeout().equals(neu.zkSessionTimeout()) || !old.zkSecurity().equals(neu.zkSecurity())
                    || !old.admin().equals(neu.admin())
                    || !old.statsd().equals(neu.statsd())) {
                return false;
            }
            List<String> removed = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            running.forEach((name, r) -> {
                Planned p = next.planned.get(name);
                if (p == null) {
                    removed.add(name);
                } else if (!p.entry().equals(r.plan().entry()) || !p.clientKey().equals(r.plan().clientKey())) {
                    changed.add(name);
                }
            });
            next.planned.keySet().stream().filter(n -> !running.containsKey(n)).forEach(added::add);
            log.info("nerve reconfiguring in place: removed {}, changed {}, added {}, unchanged {}", removed, changed,
                    added, running.keySet().stream().filter(n -> !removed.contains(n) && !changed.contains(n)).toList());
            // Stop first: a changed service may register the very same node again.
            for (String name : removed) {
                stopService(name);
            }
            for (String name : changed) {
                stopService(name);
            }
            config = neu;
            for (Planned p : next.planned.values()) {
                if (!running.containsKey(p.entry().name())) {
                    startService(p);
                }
            }
            closeUnusedClients();
            if (!old.heartbeatPath().equals(neu.heartbeatPath())) {
                stopHeartbeat();
                startHeartbeat(neu);
            }
            return true;
        }
    }

    private void startService(Planned p) {
        CuratorFramework client = clients.computeIfAbsent(p.clientKey(), k -> {
            CuratorFramework c = settings(config, p.entry().connectString()).newClient();
            c.start();
            admin.registry().gauge(NerveStatus.CONNECTED, io.micrometer.core.instrument.Tags.of("hosts", k), c,
                    x -> x.getZookeeperClient().isConnected() ? 1 : 0);
            return c;
        });
        NerveReporter reporter = NerveReporter.builder().curator(client).service(p.service())
                .listener(failureCounter(p.entry().name())).listener(status).metrics(admin.metrics()).build();
        running.put(p.entry().name(), new Running(p, reporter));
        reporter.start();
    }

    private void stopService(String name) {
        Running r = running.remove(name);
        if (r != null) {
            r.reporter().close();
            failures.remove(name);
            status.removed(name);
        }
    }

    private void closeUnusedClients() {
        Set<String> used = new HashSet<>();
        running.values().forEach(r -> used.add(r.plan().clientKey()));
        clients.entrySet().removeIf(e -> {
            if (used.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    private NerveListener failureCounter(String name) {
        return new NerveListener() {
            @Override
            public void registered(String service, String path) {
                failures.computeIfAbsent(name, k -> new AtomicInteger()).set(0);
            }

            @Override
            public void error(String service, Throwable error) {
                int n = failures.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                if (n == config.maxRepeatedReportFailures()) {
                    log.error("nerve '{}' failed to report {} times in a row; still retrying: {}", service, n,
                            error.getMessage());
                }
            }
        };
    }

    private void startHeartbeat(NerveConfig c) {
        c.heartbeatPath().ifPresent(path -> {
            heartbeat = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("smartstack-nerve-heartbeat"));
            heartbeat.scheduleWithFixedDelay(() -> touch(path), 0, HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void stopHeartbeat() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            heartbeat = null;
        }
    }

    private static void touch(Path path) {
        try {
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(System.currentTimeMillis() / 1000) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("nerve cannot write heartbeat {}: {}", path, e.toString());
        }
    }

    /** Whether a service is registered right now. */
    public boolean isRegistered(String service) {
        Running r;
        synchronized (lock) {
            r = running.get(service);
        }
        return r != null && r.reporter().isRegistered(service);
    }

    /** The full path of a service's znode while it is registered. */
    Optional<String> registeredPath(String service) {
        Running r;
        synchronized (lock) {
            r = running.get(service);
        }
        return r == null ? Optional.empty() : r.reporter().registeredPath(service);
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closedLatch.await();
    }

    /** Deregisters every service and stops. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lock) {
            log.info("nerve stopping: deregistering {}", running.keySet());
            stopHeartbeat();
            new ArrayList<>(running.keySet()).forEach(this::stopService);
            clients.values().forEach(CuratorFramework::close);
            clients.clear();
        }
        admin.close();
        log.info("nerve stopped");
        closedLatch.countDown();
    }
}
