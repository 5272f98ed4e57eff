package dev.smartstack.discovery.nerve;

import dev.smartstack.discovery.core.DiscoveryException;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.internal.Listeners;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks and registers one service. Everything that changes the registration runs on one thread
 * ({@code smartstack-nerve-<service>-1}); checks run on other threads of the same name prefix under
 * their timeouts.
 */
final class ServiceReporter {
    private static final Logger log = LoggerFactory.getLogger(NerveReporter.class);

    private final NerveService service;
    private final String name;
    private final CuratorFramework client;
    private final Listeners<NerveListener> listeners;
    private final DiscoveryMetrics metrics;
    private final ScheduledExecutorService executor;
    private final ExecutorService checkPool;
    private final List<CheckState> checks;
    private final TokenBucket bucket;
    private final Pattern childPattern;
    private final String parent;
    private final Set<Long> ourSessions = ConcurrentHashMap.newKeySet();
    private final ConnectionStateListener connectionListener = this::stateChanged;

    // Written only on the executor thread.
    private Boolean up;
    private volatile boolean maintenance;
    private volatile boolean closing;
    private volatile String path;
    private String lastFailure;

    ServiceReporter(NerveService service, CuratorFramework client, Listeners<NerveListener> listeners,
            DiscoveryMetrics metrics, LongSupplier nanoTime) {
        this.service = service;
        this.name = service.name();
        this.client = client;
        this.listeners = listeners;
        this.metrics = metrics;
        NamedThreadFactory threads = new NamedThreadFactory("smartstack-nerve-" + name);
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        this.checkPool = Executors.newCachedThreadPool(threads);
        this.checks = service.checkEntries().stream().map(CheckState::new).toList();
        this.bucket = service.rateLimit()
                .map(r -> new TokenBucket(r.averageRate(), r.maxBurst(), nanoTime)).orElse(null);
        this.parent = service.zkPath();
        String id = Pattern.quote(service.instanceId());
        this.childPattern = Pattern.compile(service.nodeType() == NerveService.NodeType.EPHEMERAL_SEQUENTIAL
                ? id + "_\\d{10}" : id);
    }

    String name() {
        return name;
    }

    void start() {
        client.getConnectionStateListenable().addListener(connectionListener);
        executor.scheduleWithFixedDelay(this::tick, 0, service.checkInterval().toNanos(), TimeUnit.NANOSECONDS);
        log.info("nerve '{}' started: {} at {} every {} ms", name, service.instanceId(), service.nodePrefix(),
                service.checkInterval().toMillis());
    }

    String registeredPath() {
        return path;
    }

    void maintenance(boolean on) {
        if (maintenance != on) {
            maintenance = on;
            log.info("nerve '{}' maintenance {}", name, on ? "on: taking it out of rotation" : "off");
        }
        submit(this::reconcile);
    }

    /** Stops the checks and deletes the registration, waiting at most {@code bound}. */
    void deregisterForClose(Duration bound) {
        closing = true;
        client.getConnectionStateListenable().removeListener(connectionListener);
        Future<?> f;
        try {
            f = executor.submit(this::reconcile);
        } catch (RejectedExecutionException e) {
            return;
        }
        try {
            f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("nerve '{}' could not deregister {} in {} ms; it goes when the session ends", name, path,
                    bound.toMillis());
        }
    }

    void shutdown() {
        executor.shutdownNow();
        checkPool.shutdownNow();
    }

    private void submit(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void stateChanged(CuratorFramework c, ConnectionState state) {
        switch (state) {
            case SUSPENDED -> log.warn("nerve '{}' lost its ZooKeeper connection; keeping {} while the session lasts",
                    name, path);
            case LOST -> log.warn("nerve '{}' lost its ZooKeeper session; will register again on reconnection", name);
            case RECONNECTED -> log.info("nerve '{}' reconnected to ZooKeeper", name);
            default -> {
            }
        }
        if (state.isConnected() && !closing) {
            submit(this::reconcile);
        }
    }

    private void tick() {
        if (closing) {
            return;
        }
        try {
            runChecks();
            reconcile();
        } catch (Throwable t) {
            log.error("nerve '{}' check round failed", name, t);
        }
    }

    private void runChecks() {
        Boolean now;
        String reason = "ok";
        if (service.checkMocked()) {
            now = Boolean.TRUE;
        } else {
            boolean allUp = true;
            now = null;
            for (CheckState s : checks) {
                HealthResult result = s.run();
                if (!result.healthy()) {
                    metrics.increment(DiscoveryMetrics.CHECK_FAILED, name, "");
                    log.debug("nerve '{}' check {} failed: {}", name, s.entry.check(), result.reason());
                }
                s.record(result);
                if (Boolean.FALSE.equals(s.up)) {
                    if (now == null) {
                        now = Boolean.FALSE;
                        reason = s.lastReason;
                    }
                } else if (s.up == null) {
                    allUp = false;
                }
            }
            if (now == null) {
                now = allUp ? Boolean.TRUE : up;
            }
        }
        if (now == null || now.equals(up)) {
            return;
        }
        if (bucket != null && !bucket.tryTake()) {
            if (!service.rateLimit().orElseThrow().shadowMode()) {
                log.info("nerve '{}' is {} but the change is rate limited; will retry", name, now ? "up" : "down");
                return;
            }
            log.info("nerve '{}' would have been rate limited (shadow mode)", name);
        }
        up = now;
        if (now) {
            log.info("nerve '{}' is up", name);
            listeners.fire(l -> l.up(name));
        } else {
            log.info("nerve '{}' is down: {}", name, reason);
            String r = reason;
            listeners.fire(l -> l.down(name, r));
        }
    }

    /** Brings ZooKeeper in line with what we want. Runs on the executor thread only. */
    private void reconcile() {
        boolean want = Boolean.TRUE.equals(up) && !maintenance && !closing;
        if (!want && path == null) {
            return;
        }
        if (!client.getZookeeperClient().isConnected()) {
            if (closing && path != null) {
                log.warn("nerve '{}' cannot deregister {}: not connected; it goes when the session ends", name, path);
            }
            return;
        }
        String current = path;
        try {
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();
            if (want) {
                if (current != null) {
                    Stat stat = client.checkExists().forPath(current);
                    if (stat != null && stat.getEphemeralOwner() == session) {
                        lastFailure = null;
                        return;
                    }
                    log.warn("nerve '{}' registration {} is gone (session expired or node deleted); registering again",
                            name, current);
                    path = null;
                    fireDeregistered(current);
                }
                register(session);
            } else {
                deregister(current);
            }
            lastFailure = null;
        } catch (Exception e) {
            String where = current != null ? current : service.nodePrefix();
            String failure = e.toString();
            if (failure.equals(lastFailure)) {
                log.debug("nerve '{}' ZooKeeper operation on {} failed again: {}", name, where, failure);
            } else {
                log.warn("nerve '{}' ZooKeeper operation on {} failed, will retry: {}", name, where, failure);
            }
            lastFailure = failure;
            DiscoveryException error = new DiscoveryException(name, where, "ZooKeeper operation failed: " + e, e);
            listeners.fire(l -> l.error(name, error));
        }
    }

    private void register(long session) throws Exception {
        ourSessions.add(session);
        byte[] data = NerveCodec.encode(service.instance());
        String prefix = service.nodePrefix();
        String created;
        if (service.nodeType() == NerveService.NodeType.EPHEMERAL_SEQUENTIAL) {
            created = client.create().creatingParentContainersIfNeeded()
                    .withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(prefix, data);
        } else {
            created = createEphemeral(prefix, data, session);
        }
        path = created;
        metrics.increment(DiscoveryMetrics.REGISTERED, name, "");
        log.info("nerve '{}' registered {}", name, created);
        listeners.fire(l -> l.registered(name, created));
        try {
            removeStale(created);
        } catch (Exception e) {
            // An old session's node still goes when the server expires that session.
            log.warn("nerve '{}' could not look for stale registrations next to {}: {}", name, created, e.toString());
        }
    }

    private String createEphemeral(String prefix, byte[] data, long session) throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                return client.create().creatingParentContainersIfNeeded()
                        .withMode(CreateMode.EPHEMERAL).forPath(prefix, data);
            } catch (KeeperException.NodeExistsException e) {
                Stat existing = client.checkExists().forPath(prefix);
                if (existing == null) {
                    continue;
                }
                if (existing.getEphemeralOwner() == session) {
                    // Our own create whose response was lost: adopt it with the current data.
                    client.setData().forPath(prefix, data);
                    return prefix;
                }
                if (!ourSessions.contains(existing.getEphemeralOwner())) {
                    throw new DiscoveryException(name, prefix, "node exists and belongs to session 0x"
                            + Long.toHexString(existing.getEphemeralOwner()) + ", which is not ours");
                }
                log.info("nerve '{}' deleting {} left by our expired session 0x{}", name, prefix,
                        Long.toHexString(existing.getEphemeralOwner()));
                deleteQuietly(prefix);
            }
        }
        throw new DiscoveryException(name, prefix, "node keeps appearing while we create it");
    }

    /**
     * Deletes every other node of this instance that one of our sessions owns: one left by an
     * expired session that the server has not reaped yet, or a duplicate from a create that was
     * retried after its response was lost.
     */
    private void removeStale(String keep) throws Exception {
        for (String child : client.getChildren().forPath(parent)) {
            if (!childPattern.matcher(child).matches()) {
                continue;
            }
            String full = parent.equals("/") ? "/" + child : parent + "/" + child;
            if (full.equals(keep)) {
                continue;
            }
            Stat stat = client.checkExists().forPath(full);
            if (stat != null && ourSessions.contains(stat.getEphemeralOwner())) {
                log.info("nerve '{}' deleting stale registration {} of session 0x{}", name, full,
                        Long.toHexString(stat.getEphemeralOwner()));
                deleteQuietly(full);
            }
        }
    }

    private void deregister(String current) throws Exception {
        Stat stat = client.checkExists().forPath(current);
        if (stat != null && ourSessions.contains(stat.getEphemeralOwner())) {
            deleteQuietly(current);
        }
        path = null;
        fireDeregistered(current);
    }

    private void fireDeregistered(String p) {
        metrics.increment(DiscoveryMetrics.DEREGISTERED, name, "");
        log.info("nerve '{}' deregistered {}", name, p);
        listeners.fire(l -> l.deregistered(name, p));
    }

    private void deleteQuietly(String p) throws Exception {
        try {
            client.delete().forPath(p);
        } catch (KeeperException.NoNodeException e) {
            // already gone
        }
    }

    /** One check with its rise/fall counters; {@code up} is null until rise or fall is reached. */
    private final class CheckState {
        final NerveService.CheckEntry entry;
        final AtomicBoolean inFlight = new AtomicBoolean();
        Boolean up;
        int passes;
        int failures;
        String lastReason = "ok";

        CheckState(NerveService.CheckEntry entry) {
            this.entry = entry;
        }

        HealthResult run() {
            HealthCheck check = entry.check();
            Duration timeout = check.timeout();
            if (!inFlight.compareAndSet(false, true)) {
                return HealthResult.unhealthy("check " + check + " is still running after its timeout of "
                        + timeout.toMillis() + " ms");
            }
            // Whoever claims the run first owns clearing inFlight: the task when it starts, or the
            // timeout path when the task was cancelled before it started (it then never runs, and
            // inFlight would otherwise stay set for good: the check would never run again).
            AtomicBoolean claimed = new AtomicBoolean();
            Future<HealthResult> f;
            try {
                f = checkPool.submit(() -> {
                    if (!claimed.compareAndSet(false, true)) {
                        return null;
                    }
                    try {
                        return check.check();
                    } finally {
                        inFlight.set(false);
                    }
                });
            } catch (RejectedExecutionException e) {
                inFlight.set(false);
                return HealthResult.unhealthy("closed");
            }
            try {
                HealthResult r = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                return r != null ? r : HealthResult.unhealthy("check " + check + " returned null");
            } catch (TimeoutException e) {
                f.cancel(true);
                if (claimed.compareAndSet(false, true)) {
                    inFlight.set(false);
                }
                return HealthResult.unhealthy("check " + check + " timed out after " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                return HealthResult.unhealthy("check " + check + " threw " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HealthResult.unhealthy("interrupted");
            }
        }

        void record(HealthResult result) {
            if (result.healthy()) {
                passes++;
                failures = 0;
                if (passes >= entry.rise()) {
                    up = Boolean.TRUE;
                }
            } else {
                failures++;
                passes = 0;
                lastReason = result.reason();
                if (failures >= entry.fall()) {
                    up = Boolean.FALSE;
                }
            }
        }
    }
}
