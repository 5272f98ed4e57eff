package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.internal.Listeners;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HAProxy output of a {@code SynapseWatcher}: keeps a local HAProxy's frontends and backends
 * in line with the snapshots it is handed.
 *
 * <ul>
 *   <li>Every change is rendered into the config file (injection-safe, see {@link HaproxyService}
 *       and the {@code haproxy_server_options} whitelist), checked with {@code haproxy -c -f} and
 *       installed by atomic rename, only when the content changed.</li>
 *   <li>A join, leave or weight change in a backend that the running HAProxy already has goes over
 *       the runtime API (stats socket): {@code add server} + {@code enable server}, {@code set
 *       server ... state maint} + {@code del server} (retried while the server still has
 *       connections), {@code set server ... weight}. No reload.</li>
 *   <li>HAProxy knows a server by its name: a Nerve that registers again under a new znode with
 *       the same server (name, address, options) leaves it untouched, with the same id; one that
 *       comes back while its delete still waits for connections is made ready again.</li>
 *   <li>A reload happens only when a frontend or backend appears or disappears, when a service's
 *       operator config changes, when the backend uses cookies (which 2.6 cannot add at run time),
 *       or when a runtime command fails. Reloads are at least {@code restart_interval} (plus
 *       {@code restart_jitter}) apart, and the changes that arrive while one is pending are
 *       coalesced into it. Before a reload the runtime state is saved to the
 *       {@code server-state-file}.</li>
 *   <li>With {@code manage_process}, the output runs HAProxy itself in master-worker mode and
 *       reloads it through the master CLI.</li>
 * </ul>
 * Failures of validation, reloads or runtime commands never throw out of {@link #update}: the
 * running HAProxy keeps serving, the error goes to the {@link HaproxyListener}s and the log, and the
 * next change tries again.
 *
 * <p>Thread safety: {@link #update} is called on the watcher's output thread; file writes,
 * validation and reloads run on the output's own thread {@code smartstack-haproxy-1}.
 */
public final class HaproxyOutput implements SnapshotOutput, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);
    private static final int DELETE_ATTEMPTS = 120;
    private static final Duration DELETE_RETRY = Duration.ofMillis(500);

    private enum State { LATENT, STARTED, CLOSED }

    private final Settings settings;
    private final Listeners<HaproxyListener> listeners = new Listeners<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Object lock = new Object();
    private final RuntimeApi stats;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong runtimeCommands = new AtomicLong();
    private final AtomicLong failedReloads = new AtomicLong();
    private volatile String lastError;

    // Guarded by lock.
    private final Map<String, HaproxyService> serviceConfigs;
    private final Map<String, ServiceState> services = new TreeMap<>();
    private final Map<String, PendingDelete> pendingDeletes = new LinkedHashMap<>();
    private final Set<String> unconfiguredLogged = new HashSet<>();
    private boolean dirty;
    private boolean reloadNeeded;
    private boolean deleteRetryScheduled;
    /** The stats socket gave no answer in this pass: skip its other commands, a reload converges. */
    private boolean socketFailedInPass;
    private String reloadReason = "";
    // Written by start() and then only by the scheduler thread; read under lock.
    private volatile String installed;
    private volatile String lastInvalid;
    private long lastReloadMillis = Long.MIN_VALUE / 2;
    private long reloadDueMillis;
    private volatile boolean configValid = true;
    private Set<String> liveBackends = Set.of();
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> pendingWork;
    private ManagedProcess process;

    private HaproxyOutput(Settings settings) {
        this.settings = settings;
        this.serviceConfigs = new HashMap<>(settings.services);
        listeners.addAll(settings.listeners);
        this.stats = settings.doSocket ? new RuntimeApi(settings.socketFilePath, settings.commandTimeout) : null;
    }

    /** A builder; see {@link Builder} for the settings and their defaults. */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Starts the output: creates its thread and, with {@code manage_process}, writes the initial
     * config and starts HAProxy. Called by the watcher before any snapshot.
     *
     * @throws IllegalStateException when started twice or after close
     */
    @Override
    public void start(Set<String> watched) {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HaproxyOutput cannot be started in state " + state.get());
        }
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("smartstack-haproxy"));
        s.setRemoveOnCancelPolicy(true);
        scheduler = s;
        log.info("haproxy output started for {} (config {}, socket {}, managed {})", watched, settings.configFilePath,
                settings.socketFilePath, settings.manageProcess);
        if (settings.manageProcess) {
            synchronized (lock) {
                writeConfig(render());
                if (configValid) {
                    startProcess();
                }
            }
        }
    }

    /** Same as {@code start(Set.of())}; returns this. */
    public HaproxyOutput start() {
        start(Set.of());
        return this;
    }

    /** Stops the thread and, with {@code manage_process}, stops HAProxy. Calling it twice is harmless. */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        synchronized (lock) {
            if (process != null) {
                process.stop();
                process = null;
            }
        }
        if (scheduler != null && !Thread.currentThread().getName().startsWith("smartstack-haproxy-")) {
            try {
                // the thread is interrupted and has nothing left to do: do not leave it running
                if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("haproxy output thread did not stop within 10 s (config {})", settings.configFilePath);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("haproxy output closed (config {})", settings.configFilePath);
    }

    public void addListener(HaproxyListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener == null"));
    }

    // ---------------------------------------------------------------- counters

    /** Reloads performed (including the managed process's first start). */
    public long reloads() {
        return reloads.get();
    }

    /** Reloads attempted that failed. */
    public long failedReloads() {
        return failedReloads.get();
    }

    /** Runtime API commands sent to the stats socket. */
    public long runtimeCommands() {
        return runtimeCommands.get();
    }

    /** The last error reported, if any. */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** The config file this output writes, if any. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(settings.configFilePath);
    }

    /** Whether a reload is wanted and not yet done. */
    public boolean reloadPending() {
        synchronized (lock) {
            return reloadNeeded;
        }
    }

    /**
     * Replaces (or adds) a service's {@code haproxy} section at run time, as when the operator
     * fixes a config. The service's frontend and backend are re-rendered and HAProxy is reloaded.
     */
    public void configure(String service, HaproxyService config) {
        Objects.requireNonNull(service, "service == null");
        Objects.requireNonNull(config, "config == null");
        // the same checks as build(): the names become section titles and runtime API arguments
        Builder.requireProxyNames(service, config);
        synchronized (lock) {
            if (config.equals(serviceConfigs.put(service, config))) {
                return;
            }
            ServiceState st = services.get(service);
            if (st != null) {
                st.config = config;
                st.backendName = config.backendName() != null ? config.backendName() : service;
                requestReload("config of service '" + service + "' changed");
                dirty = true;
                scheduleWork(0);
            }
        }
    }

    // ---------------------------------------------------------------- snapshots

    /** Applies a snapshot. Never throws: trouble is reported to the listeners and the log. */
    @Override
    public void update(ServiceSnapshot snapshot) {
        if (state.get() != State.STARTED) {
            log.warn("haproxy output ignores {} because it is {}", snapshot, state.get());
            return;
        }
        try {
            synchronized (lock) {
                apply(snapshot);
            }
        } catch (RuntimeException e) {
            error("haproxy output failed to apply " + snapshot + ": " + e, e);
        }
    }

    private void apply(ServiceSnapshot snapshot) {
        String service = snapshot.service();
        HaproxyService config = serviceConfigs.get(service);
        if (config == null) {
            if (unconfiguredLogged.add(service)) {
                log.info("haproxy output has no haproxy section for service '{}'; it is left out", service);
            }
            return;
        }
        ServiceState st = services.get(service);
        if (st == null) {
            st = new ServiceState(service, config);
            services.put(service, st);
            if (!config.disabled()) {
                requestReload("service '" + service + "' appeared");
                // its frontend and backend must be written even when it has no server yet
                dirty = true;
            }
        }
        Map<String, ConfigRenderer.Server> next = accept(st, snapshot.backends());
        Map<String, ConfigRenderer.Server> previous = st.servers;
        st.servers = next;
        boolean changed = !previous.equals(next);
        if (changed) {
            if (!config.disabled()) {
                applyRuntime(st, previous, next);
            }
            dirty = true;
            scheduleWork(0);
        } else if (reloadNeeded) {
            scheduleWork(0);
        }
    }

    /** The servers of a snapshot that pass the whitelist, with stable ids and unique names. */
    private Map<String, ConfigRenderer.Server> accept(ServiceState st, List<ServiceInstance> backends) {
        Map<String, ConfigRenderer.Server> out = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>();
        for (ServiceInstance i : backends) {
            keys.add(i.key());
        }
        carryOverIds(st, backends, keys);
        st.releaseIdsExcept(keys);
        st.refused.keySet().retainAll(keys);
        // An id stays reserved while its server may still be in HAProxy: in the previous snapshot
        // (removed only after this one is applied) or still draining.
        BitSet blocked = (BitSet) st.draining.clone();
        for (ConfigRenderer.Server s : st.servers.values()) {
            blocked.set(s.id());
        }
        Set<String> names = new HashSet<>();
        for (ServiceInstance i : backends) {
            String all;
            try {
                all = serverOptions(st, i);
            } catch (IllegalArgumentException e) {
                String reason = e.getMessage();
                if (!reason.equals(st.refused.put(i.key(), reason))) {
                    refuse(st.service, i, reason);
                }
                continue;
            }
            st.refused.remove(i.key());
            Integer id = st.idFor(i.key(), settings.maxServerId, blocked);
            if (id == null) {
                if (!"no free server id".equals(st.refused.put(i.key(), "no free server id"))) {
                    refuse(st.service, i, "no free server id in [1, " + settings.maxServerId + "]");
                }
                continue;
            }
            String name = ConfigRenderer.serverName(i.name(), i.host(), i.port());
            if (!names.add(name)) {
                name = name + "_" + id;
                names.add(name);
            }
            Integer weight = settings.useNerveWeights && i.weight().isPresent() ? i.weight().getAsInt() : null;
            String cookie = ConfigRenderer.cookieValue(st.config.cookieValueMethod(), name);
            ConfigRenderer.Server server = new ConfigRenderer.Server(i.key(), name, i.address(), id, cookie, weight, all);
            try {
                server.line(true);
            } catch (IllegalStateException e) {
                st.refused.put(i.key(), e.getMessage());
                refuse(st.service, i, e.getMessage());
                continue;
            }
            out.put(i.key(), server);
        }
        return out;
    }

    /** The substituted server_options and the checked haproxy_server_options of an instance. */
    private static String serverOptions(ServiceState st, ServiceInstance i) {
        String options = i.haproxyServerOptions().map(ServerOptionsPolicy::check).orElse("");
        String serverOptions = ConfigRenderer.substitute(st.config.serverOptions(), i.host(), i.port(), i.name());
        String all = (serverOptions + " " + options).strip();
        ServerOptionsPolicy.checkCombination(options, all);
        return all;
    }

    /**
     * A Nerve that registers again (a new znode, as after its ZooKeeper session expired) renders the
     * same server: same name, address and options. Its new key takes over the id of the server that
     * leaves in this snapshot, or that still drains after leaving earlier, so that the server stays
     * in HAProxy as it is (or comes back from maintenance) instead of being deleted and added again.
     * The weight may differ: that is a {@code set server ... weight}.
     */
    private void carryOverIds(ServiceState st, List<ServiceInstance> backends, Set<String> keys) {
        Map<String, ConfigRenderer.Server> leaving = new HashMap<>();
        for (ConfigRenderer.Server s : st.servers.values()) {
            if (!keys.contains(s.key())) {
                leaving.put(s.name(), s);
            }
        }
        for (PendingDelete p : pendingDeletes.values()) {
            if (p.service == st) {
                leaving.putIfAbsent(p.server.name(), p.server);
            }
        }
        if (leaving.isEmpty()) {
            return;
        }
        for (ServiceInstance i : backends) {
            if (st.ids.containsKey(i.key())) {
                continue;
            }
            ConfigRenderer.Server old = leaving.get(ConfigRenderer.serverName(i.name(), i.host(), i.port()));
            if (old == null || !old.address().equals(i.address())) {
                continue;
            }
            try {
                if (!old.options().equals(serverOptions(st, i))) {
                    continue;
                }
            } catch (IllegalArgumentException e) {
                continue; // refused below
            }
            leaving.remove(old.name());
            Integer previousId = st.ids.remove(old.key());
            if (previousId != null && previousId != old.id()) {
                st.used.clear(previousId);
            }
            st.ids.put(i.key(), old.id());
            st.used.set(old.id());
            log.info("haproxy server {} of service '{}' registered again as {}; it keeps id {}", old.name(), st.service,
                    i.key(), old.id());
        }
    }

    private void refuse(String service, ServiceInstance instance, String reason) {
        log.error("haproxy output refused backend {} of service '{}': {}", instance, service, reason);
        settings.metrics.increment(DiscoveryMetrics.ZNODE_REFUSED, service,
                reason.startsWith("haproxy_server_options") ? "haproxy_server_options" : "haproxy");
        listeners.fire(l -> l.backendRefused(service, instance, reason));
    }

    private void applyRuntime(ServiceState st, Map<String, ConfigRenderer.Server> previous,
            Map<String, ConfigRenderer.Server> next) {
        // HAProxy knows servers by name: a server under a new key (a new znode) that renders the
        // same is left alone.
        Map<String, ConfigRenderer.Server> before = byName(previous);
        Map<String, ConfigRenderer.Server> after = byName(next);
        List<ConfigRenderer.Server> removals = new ArrayList<>();
        List<ConfigRenderer.Server> additions = new ArrayList<>();
        List<ConfigRenderer.Server> reweights = new ArrayList<>();
        for (Map.Entry<String, ConfigRenderer.Server> e : before.entrySet()) {
            ConfigRenderer.Server now = after.get(e.getKey());
            ConfigRenderer.Server old = e.getValue();
            if (now == null) {
                removals.add(old);
            } else if (!now.rendersAs(old)) {
                if (now.address().equals(old.address()) && now.id() == old.id()
                        && now.options().equals(old.options()) && now.weight() != null) {
                    reweights.add(now);
                } else {
                    removals.add(old);
                    additions.add(now);
                }
            }
        }
        for (Map.Entry<String, ConfigRenderer.Server> e : after.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                additions.add(e.getValue());
            }
        }
        if (removals.isEmpty() && additions.isEmpty() && reweights.isEmpty()) {
            return;
        }
        boolean runtimeOk = stats != null && liveBackends.contains(st.backendName) && !st.usesCookies();
        if (!runtimeOk) {
            if (reloadNeeded && !liveBackends.contains(st.backendName)) {
                return; // the pending reload brings the new backend with its servers
            }
            requestReload("membership of '" + st.service + "' changed"
                    + (stats == null ? " and the runtime API is off" : " and its backend is not live yet"));
            return;
        }
        String be = st.backendName;
        boolean ok = true;
        socketFailedInPass = false;
        for (ConfigRenderer.Server s : removals) {
            ok &= runtimeRemove(st, be, s);
        }
        for (ConfigRenderer.Server s : reweights) {
            ok &= command("set server " + be + "/" + s.name() + " weight " + s.weight());
        }
        for (ConfigRenderer.Server s : additions) {
            ok &= runtimeAdd(be, s);
        }
        if (!ok) {
            requestReload("a runtime command for '" + st.service + "' failed");
        }
    }

    private static Map<String, ConfigRenderer.Server> byName(Map<String, ConfigRenderer.Server> servers) {
        Map<String, ConfigRenderer.Server> out = new LinkedHashMap<>();
        for (ConfigRenderer.Server s : servers.values()) {
            out.put(s.name(), s);
        }
        return out;
    }

    private boolean runtimeAdd(String be, ConfigRenderer.Server s) {
        String id = be + "/" + s.name();
        PendingDelete pending = pendingDeletes.get(id);
        if (pending != null) {
            return revive(id, pending, s);
        }
        if (!command("add server " + id + " " + s.runtimeArguments())) {
            return false;
        }
        // A dynamic server starts in maintenance. One marked "disabled" stays there, as it would
        // after a reload from the config file.
        boolean ok = s.startsDisabled() || command("enable server " + id);
        if (s.hasCheck()) {
            ok &= command("enable health " + id);
        }
        return ok;
    }

    /**
     * A server joins again while it still drains in maintenance (its delete waits for
     * connections): when it renders the same (the weight aside), its delete is cancelled and it
     * is made ready again. Anything else needs a reload.
     */
    private boolean revive(String id, PendingDelete pending, ConfigRenderer.Server s) {
        ConfigRenderer.Server old = pending.server;
        if (old.id() != s.id() || !old.address().equals(s.address()) || !old.options().equals(s.options())
                || !Objects.equals(old.cookie(), s.cookie()) || s.weight() == null && old.weight() != null) {
            return false;
        }
        pendingDeletes.remove(id);
        pending.service.draining.clear(pending.serverId);
        log.info("haproxy server {} joins again while draining; it is made ready again", id);
        boolean ok = true;
        if (s.weight() != null && !s.weight().equals(old.weight())) {
            ok = command("set server " + id + " weight " + s.weight());
        }
        return ok && (s.startsDisabled() || command("set server " + id + " state ready"));
    }

    private boolean runtimeRemove(ServiceState st, String be, ConfigRenderer.Server s) {
        String id = be + "/" + s.name();
        if (!command("set server " + id + " state maint")) {
            return false;
        }
        return tryDelete(id, new PendingDelete(st, s), true);
    }

    /** A server in maintenance that still had connections when it was to be deleted. */
    private static final class PendingDelete {
        final ServiceState service;
        final ConfigRenderer.Server server;
        final int serverId;
        int attempts;

        PendingDelete(ServiceState service, ConfigRenderer.Server server) {
            this.service = service;
            this.server = server;
            this.serverId = server.id();
        }
    }

    private void deleted(String id) {
        PendingDelete p = pendingDeletes.remove(id);
        if (p != null) {
            p.service.draining.clear(p.serverId);
        }
    }

    /** Deletes a server in maintenance; while it still has connections, retries later. */
    private boolean tryDelete(String id, PendingDelete pending, boolean first) {
        if (socketFailedInPass) {
            return false;
        }
        String cmd = "del server " + id;
        String response = send(cmd);
        if (response != null && RuntimeApi.isSuccess(cmd, response)) {
            deleted(id);
            return true;
        }
        if (response != null && response.contains("No such server") && !first) {
            deleted(id);
            return true;
        }
        if (response != null && (response.contains("connection") || response.contains("still"))) {
            pendingDeletes.putIfAbsent(id, pending);
            pending.service.draining.set(pending.serverId);
            if (++pending.attempts <= DELETE_ATTEMPTS) {
                log.info("haproxy server {} still has connections; deleting it later", id);
                // One retry pass for all pending deletes: a task per pending delete, each
                // scheduling one per pending delete again, grew geometrically and gave up early.
                if (!deleteRetryScheduled) {
                    deleteRetryScheduled = schedule(this::retryDeletes, DELETE_RETRY.toMillis()) != null;
                }
                return true;
            }
            deleted(id);
        }
        runtimeFailed(cmd, response == null ? "no answer" : response.strip());
        return false;
    }

    private void retryDeletes() {
        synchronized (lock) {
            deleteRetryScheduled = false;
            if (state.get() != State.STARTED || pendingDeletes.isEmpty()) {
                return;
            }
            boolean ok = true;
            socketFailedInPass = false;
            for (Map.Entry<String, PendingDelete> e : new ArrayList<>(pendingDeletes.entrySet())) {
                ok &= tryDelete(e.getKey(), e.getValue(), false);
            }
            if (!ok) {
                requestReload("a server could not be deleted at run time");
                scheduleWork(0);
            }
        }
    }

    private boolean command(String cmd) {
        if (socketFailedInPass) {
            // A hung socket cost command_timeout per command (and an event each) while holding the
            // lock: one failure is enough to know that a reload must converge.
            return false;
        }
        String response = send(cmd);
        if (response != null && RuntimeApi.isSuccess(cmd, response)) {
            return true;
        }
        runtimeFailed(cmd, response == null ? "no answer" : response.strip());
        return false;
    }

    /** Sends a command; null when the socket could not be used (already reported). */
    private String send(String cmd) {
        runtimeCommands.incrementAndGet();
        int space = cmd.indexOf(' ', cmd.indexOf(' ') + 1);
        settings.metrics.increment(DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND, "haproxy",
                space > 0 ? cmd.substring(0, space) : cmd);
        try {
            return stats.send(cmd);
        } catch (IOException | RuntimeException e) {
            log.warn("haproxy stats socket {} failed on '{}': {}", stats.socket(), cmd, e.toString());
            socketFailedInPass = e instanceof IOException;
            return null;
        }
    }

    private void runtimeFailed(String cmd, String response) {
        lastError = "runtime command '" + cmd + "' failed: " + response;
        log.warn("haproxy runtime command '{}' failed: {}", cmd, response);
        listeners.fire(l -> l.runtimeCommandFailed(cmd, response));
    }

    // ---------------------------------------------------------------- config and reloads

    private void requestReload(String reason) {
        if (!reloadNeeded) {
            reloadNeeded = true;
            reloadReason = reason;
            reloadDueMillis = nextReloadMillis();
        } else if (!reloadReason.contains(reason) && reloadReason.length() < 300) {
            reloadReason = reloadReason + "; " + reason;
        }
    }

    /** The earliest time of the next reload: restart_interval plus jitter after the last one. */
    private long nextReloadMillis() {
        long earliest = lastReloadMillis + settings.restartInterval.toMillis()
                + (long) (settings.restartInterval.toMillis() * settings.restartJitter
                        * ThreadLocalRandom.current().nextDouble());
        return Math.max(settings.clock.millis(), earliest);
    }

    private void scheduleWork(long delayMillis) {
        if (scheduler == null || state.get() != State.STARTED) {
            return;
        }
        // Compare real delays: the injected clock only decides when a reload is due.
        if (pendingWork != null && !pendingWork.isDone() && pendingWork.getDelay(TimeUnit.MILLISECONDS) <= delayMillis) {
            return;
        }
        if (pendingWork != null) {
            pendingWork.cancel(false);
        }
        pendingWork = schedule(this::work, delayMillis);
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        try {
            return scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    error("haproxy output task failed: " + t, t);
                }
            }, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    private void work() {
        String content = null;
        synchronized (lock) {
            if (state.get() != State.STARTED) {
                return;
            }
            pendingWork = null;
            if (dirty) {
                dirty = false;
                content = settings.doWrites ? render() : "";
            }
        }
        if (content != null) {
            // Validation can take a while with thousands of servers: runtime updates go on meanwhile.
            writeConfig(content);
        }
        synchronized (lock) {
            if (state.get() != State.STARTED || dirty) {
                return; // a newer change has scheduled another pass
            }
            // A dead managed HAProxy is started again on the installed (valid) file even while a
            // newer candidate is invalid.
            boolean processDead = settings.manageProcess && (process == null || !process.alive());
            if (!reloadNeeded || !configValid && !processDead) {
                return;
            }
            if (!settings.doReloads) {
                markLive();
                reloadNeeded = false;
                return;
            }
            long now = settings.clock.millis();
            if (now < reloadDueMillis) {
                scheduleWork(reloadDueMillis - now);
                return;
            }
            reload();
        }
    }

    /** Renders, validates and installs the config when its content changed. */
    private void writeConfig(String content) {
        if (!settings.doWrites) {
            configValid = true;
            return;
        }
        if (content.equals(installed)) {
            configValid = true;
            return;
        }
        if (content.equals(lastInvalid)) {
            configValid = false;
            return;
        }
        Path target = settings.configFilePath;
        Path candidate = null;
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            candidate = Files.createTempFile(dir, "." + target.getFileName() + ".", ".candidate");
            Files.writeString(candidate, content, StandardCharsets.UTF_8);
            String error = validate(candidate);
            if (error != null && !error.startsWith("haproxy -c exited with ")) {
                // haproxy -c timed out or could not run: that says nothing about this content, so it
                // is not remembered as invalid (it would never be checked again) but retried.
                configValid = false;
                error("haproxy config " + target + " could not be validated; retrying: " + error, null);
                retryWriteLater();
                return;
            }
            if (error != null) {
                configValid = false;
                lastInvalid = content;
                lastError = "invalid HAProxy config: " + error;
                settings.metrics.increment(DiscoveryMetrics.HAPROXY_INVALID_CONFIG, "config", "");
                log.warn("haproxy candidate config for {} is invalid; keeping the old one: {}", target, error);
                listeners.fire(l -> l.configInvalid(error));
                return;
            }
            Files.move(candidate, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            candidate = null;
            installed = content;
            lastInvalid = null;
            configValid = true;
            log.info("haproxy config {} installed", target);
        } catch (IOException e) {
            configValid = false;
            error("haproxy config " + target + " could not be written: " + e, null);
            retryWriteLater();
        } finally {
            if (candidate != null) {
                try {
                    Files.deleteIfExists(candidate);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Renders and writes again after restart_interval (at least 1 s): the failure was not the content's. */
    private void retryWriteLater() {
        synchronized (lock) {
            dirty = true;
            scheduleWork(Math.max(1000, settings.restartInterval.toMillis()));
        }
    }

    /** Null when {@code haproxy -c} accepts the file, else its output. */
    private String validate(Path candidate) {
        List<String> argv = List.of(settings.haproxyPath, "-c", "-f", candidate.toString());
        String error = runCommand(argv, "haproxy -c");
        // Exit 2 "has no error but will not start (no listener)": a config of backends only is valid.
        if (error != null && error.startsWith("haproxy -c exited with 2:") && error.contains("has no error")) {
            return null;
        }
        return error;
    }

    /** Runs argv without a shell; null on exit 0, else a description of the failure. */
    private String runCommand(List<String> argv, String what) {
        Path out = null;
        Process p = null;
        try {
            out = Files.createTempFile("smartstack-haproxy-", ".out");
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(settings.commandTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return what + " did not finish within " + settings.commandTimeout;
            }
            if (p.exitValue() == 0) {
                return null;
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (text.length() > 4000) {
                text = text.substring(0, 4000) + "...";
            }
            return what + " exited with " + p.exitValue() + ": " + text.strip();
        } catch (IOException e) {
            return what + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p != null) {
                p.destroyForcibly();
            }
            return what + " was interrupted";
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private void reload() {
        String reason = reloadReason;
        saveServerState();
        String error;
        if (settings.manageProcess) {
            error = process == null || !process.alive() ? startProcess0() : process.reload();
        } else {
            error = runCommand(settings.reloadCommand, "reload_command");
        }
        lastReloadMillis = settings.clock.millis();
        if (error != null) {
            // the retry (on the next change) also waits restart_interval plus jitter
            reloadDueMillis = nextReloadMillis();
            failedReloads.incrementAndGet();
            lastError = "reload failed: " + error;
            log.warn("haproxy reload ({}) failed; the running HAProxy keeps serving: {}", reason, error);
            listeners.fire(l -> l.reloadFailed(error));
            return;
        }
        reloads.incrementAndGet();
        reloadNeeded = false;
        reloadReason = "";
        pendingDeletes.clear();
        for (ServiceState st : services.values()) {
            st.draining.clear();
        }
        markLive();
        settings.metrics.increment(DiscoveryMetrics.HAPROXY_RELOAD, "haproxy", "");
        log.info("haproxy reloaded: {}", reason);
        listeners.fire(l -> l.reloaded(reason));
    }

    private void markLive() {
        Set<String> live = new HashSet<>();
        for (ServiceState st : services.values()) {
            if (!st.config.disabled()) {
                live.add(st.backendName);
            }
        }
        liveBackends = live;
    }

    private void saveServerState() {
        if (stats == null || settings.serverStateFilePath == null) {
            return;
        }
        try {
            String text = stats.send("show servers state");
            runtimeCommands.incrementAndGet();
            if (!text.startsWith("1")) {
                return;
            }
            text = keepOwnServersState(text);
            Path target = settings.serverStateFilePath;
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            log.warn("haproxy server state could not be saved to {}: {}", settings.serverStateFilePath, e.toString());
        }
    }

    /**
     * The lines of {@code show servers state} to carry over, for our backends only those of servers
     * that the new config has under the same name and id. HAProxy 2.6 applies a saved state by name
     * even when the id differs: a server put into maintenance to leave (its delete still waiting
     * for connections) and joining again under the same name with a new id stayed in maintenance
     * after the reload.
     */
    private String keepOwnServersState(String text) {
        Map<String, Map<String, Integer>> ours = new HashMap<>();
        for (ServiceState st : services.values()) {
            Map<String, Integer> ids = ours.computeIfAbsent(st.backendName, k -> new HashMap<>());
            for (ConfigRenderer.Server server : st.servers.values()) {
                ids.put(server.name(), server.id());
            }
        }
        StringBuilder out = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            String[] t = line.split(" ");
            if (!line.startsWith("#") && t.length > 4 && ours.containsKey(t[1])) {
                Integer id = ours.get(t[1]).get(t[3]);
                if (id == null || !Integer.toString(id).equals(t[2])) {
                    continue;
                }
            }
            out.append(line).append('\n');
        }
        out.setLength(Math.max(0, out.length() - 1));
        return out.toString();
    }

    private void startProcess() {
        String error = startProcess0();
        if (error != null) {
            failedReloads.incrementAndGet();
            lastError = "HAProxy did not start: " + error;
            log.warn("haproxy could not be started: {}", error);
            listeners.fire(l -> l.reloadFailed(error));
        } else {
            reloads.incrementAndGet();
            reloadNeeded = false;
            markLive();
            listeners.fire(l -> l.reloaded("started"));
        }
    }

    private String startProcess0() {
        if (process != null) {
            process.stop();
        }
        ManagedProcess started = new ManagedProcess(settings);
        process = started;
        String error = started.start();
        if (error != null) {
            started.stop();
            process = null;
        } else {
            started.onExit(description -> processExited(started, description));
        }
        return error;
    }

    /** The managed HAProxy died without being stopped by us: report it and start it again. */
    private void processExited(ManagedProcess exited, String description) {
        try {
            synchronized (lock) {
                if (state.get() != State.STARTED || process != exited) {
                    return; // stopped or replaced by us
                }
                lastError = "HAProxy exited unexpectedly: " + description;
                log.error("managed haproxy exited unexpectedly ({}); starting it again", description);
                listeners.fire(l -> l.processExited(description));
                liveBackends = Set.of();
                requestReload("HAProxy exited unexpectedly");
                scheduleWork(0);
            }
        } catch (Throwable t) {
            error("haproxy output failed to handle the exit of HAProxy: " + t, t);
        }
    }

    /** The config text as it would be written now, for tools, tests and benchmarks. */
    public String renderConfig() {
        return render();
    }

    String render() {
        synchronized (lock) {
            List<ConfigRenderer.Section> sections = new ArrayList<>();
            for (ServiceState st : services.values()) {
                sections.add(new ConfigRenderer.Section(st.service, st.config, st.backendName,
                        ConfigRenderer.order(new ArrayList<>(st.servers.values()), st.config.backendOrder(), st.service)));
            }
            return ConfigRenderer.render(settings.effectiveGlobal(), settings.effectiveDefaults(), settings.extraSections,
                    sections, settings.bindAddress);
        }
    }

    Settings settingsForTest() {
        return settings;
    }

    /** Tasks waiting on the output's thread, for tests. */
    int queuedTasksForTest() {
        ScheduledExecutorService s = scheduler;
        return s instanceof ScheduledThreadPoolExecutor e ? e.getQueue().size() : 0;
    }

    /** The managed process's master CLI, for tests and tools; empty unless {@code manage_process}. */
    Optional<RuntimeApi> masterCli() {
        synchronized (lock) {
            return process == null ? Optional.empty() : Optional.of(process.master());
        }
    }

    private void error(String message, Throwable t) {
        lastError = message;
        if (t != null) {
            log.error(message, t);
        } else {
            log.error(message);
        }
    }

    // ---------------------------------------------------------------- state

    private static final class ServiceState {
        final String service;
        HaproxyService config;
        String backendName;
        Map<String, ConfigRenderer.Server> servers = Map.of();
        final Map<String, Integer> ids = new HashMap<>();
        final BitSet used = new BitSet();
        final BitSet draining = new BitSet();
        final Map<String, String> refused = new HashMap<>();

        ServiceState(String service, HaproxyService config) {
            this.service = service;
            this.config = config;
            this.backendName = config.backendName() != null ? config.backendName() : service;
        }

        boolean usesCookies() {
            return ConfigRenderer.hasDirective(config.backend(), "cookie")
                    || ConfigRenderer.hasDirective(config.listen(), "cookie");
        }

        Integer idFor(String key, int max, BitSet blocked) {
            Integer id = ids.get(key);
            if (id != null) {
                return id;
            }
            BitSet taken = (BitSet) used.clone();
            taken.or(blocked);
            int next = taken.nextClearBit(1);
            if (next > max) {
                return null;
            }
            used.set(next);
            ids.put(key, next);
            return next;
        }

        void releaseIdsExcept(Set<String> keep) {
            ids.entrySet().removeIf(e -> {
                if (keep.contains(e.getKey())) {
                    return false;
                }
                used.clear(e.getValue());
                return true;
            });
        }
    }

    // ---------------------------------------------------------------- builder

    /** Settings checked by {@link Builder#build()}. */
    static final class Settings {
        List<String> global;
        List<String> defaults;
        Map<String, List<String>> extraSections;
        Map<String, HaproxyService> services;
        Path configFilePath;
        boolean doWrites;
        boolean doReloads;
        List<String> reloadCommand;
        boolean doSocket;
        Path socketFilePath;
        Duration restartInterval;
        double restartJitter;
        Path serverStateFilePath;
        String bindAddress;
        boolean useNerveWeights;
        int maxServerId;
        String haproxyPath;
        boolean manageProcess;
        Path masterSocketPath;
        Path pidFilePath;
        Duration commandTimeout;
        DiscoveryMetrics metrics;
        Clock clock;
        List<HaproxyListener> listeners;

        List<String> effectiveGlobal() {
            List<String> out = new ArrayList<>(global);
            if (manageProcess && doSocket && !startsWith(global, "stats socket")) {
                out.add("stats socket " + socketFilePath + " mode 600 level admin");
            }
            if (doSocket && serverStateFilePath != null && !startsWith(global, "server-state-file")) {
                out.add("server-state-file " + serverStateFilePath);
            }
            return out;
        }

        List<String> effectiveDefaults() {
            List<String> out = new ArrayList<>(defaults);
            if (doSocket && serverStateFilePath != null && !startsWith(defaults, "load-server-state-from-file")) {
                out.add("load-server-state-from-file global");
            }
            return out;
        }

        private static boolean startsWith(List<String> lines, String prefix) {
            for (String l : lines) {
                if (l.strip().startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Builds a {@link HaproxyOutput}. Each setting maps one to one onto a key of Synapse's global or
     * per-service {@code haproxy} section; {@link #build()} checks the combinations and does no I/O.
     */
    public static final class Builder {
        private List<String> global = List.of();
        private List<String> defaults = List.of();
        private final Map<String, List<String>> extraSections = new LinkedHashMap<>();
        private final Map<String, HaproxyService> services = new LinkedHashMap<>();
        private Path configFilePath;
        private boolean doWrites = true;
        private boolean doReloads = true;
        private List<String> reloadCommand;
        private boolean doSocket = true;
        private Path socketFilePath;
        private Duration restartInterval = Duration.ofSeconds(2);
        private double restartJitter;
        private Path serverStateFilePath;
        private String bindAddress = "localhost";
        private boolean useNerveWeights;
        private int maxServerId = 65535;
        private String haproxyPath = "haproxy";
        private boolean manageProcess;
        private Path masterSocketPath;
        private Path pidFilePath;
        private Duration commandTimeout = Duration.ofSeconds(30);
        private DiscoveryMetrics metrics = DiscoveryMetrics.NOOP;
        private Clock clock = Clock.systemUTC();
        private final List<HaproxyListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** {@code global}: lines of the global section; default none. */
        public Builder global(List<String> lines) {
            this.global = HaproxyService.Builder.lines("global", lines);
            return this;
        }

        /** {@code defaults}: lines of the defaults section; default none. */
        public Builder defaults(List<String> lines) {
            this.defaults = HaproxyService.Builder.lines("defaults", lines);
            return this;
        }

        /** {@code extra_sections}: a section title (e.g. {@code "listen stats"}) and its lines. */
        public Builder extraSection(String title, List<String> lines) {
            HaproxyService.Builder.oneLine("extra_sections", title);
            extraSections.put(title.strip(), HaproxyService.Builder.lines("extra_sections." + title, lines));
            return this;
        }

        /** A service's {@code haproxy} section. Services without one are left out of the config. */
        public Builder service(String name, HaproxyService config) {
            Validation.requireValidName("service", name);
            services.put(name, Objects.requireNonNull(config, "config == null"));
            return this;
        }

        /** {@code config_file_path}; required when {@code do_writes} is on. */
        public Builder configFilePath(Path path) {
            this.configFilePath = path;
            return this;
        }

        /** {@code do_writes}; default true. */
        public Builder doWrites(boolean doWrites) {
            this.doWrites = doWrites;
            return this;
        }

        /** {@code do_reloads}; default true. */
        public Builder doReloads(boolean doReloads) {
            this.doReloads = doReloads;
            return this;
        }

        /** {@code reload_command} as argv; it is run without a shell. */
        public Builder reloadCommand(List<String> argv) {
            this.reloadCommand = argv == null ? null : List.copyOf(argv);
            return this;
        }

        /** {@code reload_command} as one string, split on whitespace into argv (no shell, no quoting). */
        public Builder reloadCommand(String command) {
            this.reloadCommand = command == null ? null : List.of(command.strip().split("\\s+"));
            return this;
        }

        /** {@code do_socket}; default true. */
        public Builder doSocket(boolean doSocket) {
            this.doSocket = doSocket;
            return this;
        }

        /** {@code socket_file_path}: the admin-level stats socket; required when {@code do_socket} is on (defaults to {@code <config>.sock} with manage_process). */
        public Builder socketFilePath(Path path) {
            this.socketFilePath = path;
            return this;
        }

        /** {@code restart_interval}: the minimum time between reloads; default 2 s. */
        public Builder restartInterval(Duration interval) {
            this.restartInterval = Objects.requireNonNull(interval, "restart_interval == null");
            return this;
        }

        /** {@code restart_jitter}: a random fraction of the interval added to it; default 0. */
        public Builder restartJitter(double jitter) {
            this.restartJitter = jitter;
            return this;
        }

        /** The {@code server-state-file}; default {@code <config>.state} when the socket is used. */
        public Builder serverStateFilePath(Path path) {
            this.serverStateFilePath = path;
            return this;
        }

        /** {@code bind_address}: the default for services; default {@code localhost}. */
        public Builder bindAddress(String address) {
            this.bindAddress = HaproxyService.Builder.oneToken("bind_address", Objects.requireNonNull(address, "bind_address == null"));
            return this;
        }

        /** {@code use_nerve_weights}; default false. */
        public Builder useNerveWeights(boolean use) {
            this.useNerveWeights = use;
            return this;
        }

        /** {@code max_server_id}; default 65535. */
        public Builder maxServerId(int max) {
            this.maxServerId = max;
            return this;
        }

        /** (ext) {@code haproxy_path}; default {@code haproxy}. */
        public Builder haproxyPath(String path) {
            this.haproxyPath = Objects.requireNonNull(path, "haproxy_path == null");
            return this;
        }

        /** (ext) {@code manage_process}: run HAProxy in master-worker mode ourselves; default false. */
        public Builder manageProcess(boolean manage) {
            this.manageProcess = manage;
            return this;
        }

        /** The master CLI socket with {@code manage_process}; default {@code <config>.master}. */
        public Builder masterSocketPath(Path path) {
            this.masterSocketPath = path;
            return this;
        }

        /** The pid file with {@code manage_process}; default {@code <config>.pid}. */
        public Builder pidFilePath(Path path) {
            this.pidFilePath = path;
            return this;
        }

        /** The bound on {@code haproxy -c}, the reload command and socket commands; default 30 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = Objects.requireNonNull(timeout, "command_timeout == null");
            return this;
        }

        public Builder listener(HaproxyListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener == null"));
            return this;
        }

        /** Default {@link DiscoveryMetrics#NOOP}. */
        public Builder metrics(DiscoveryMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics == null");
            return this;
        }

        /** The clock for rate-limiting reloads; default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock == null");
            return this;
        }

        /** Checks the settings; does no I/O. */
        public HaproxyOutput build() {
            if (doWrites && configFilePath == null) {
                throw new IllegalArgumentException("config_file_path is required when do_writes is on");
            }
            if (manageProcess && !doWrites) {
                throw new IllegalArgumentException("manage_process needs do_writes on");
            }
            if (doReloads && !manageProcess && (reloadCommand == null || reloadCommand.isEmpty()
                    || reloadCommand.get(0).isEmpty())) {
                throw new IllegalArgumentException("reload_command is required when do_reloads is on and manage_process is off");
            }
            Path socket = socketFilePath;
            if (doSocket && socket == null) {
                if (!manageProcess) {
                    throw new IllegalArgumentException("socket_file_path is required when do_socket is on");
                }
                socket = sibling(configFilePath, ".sock");
            }
            if (restartInterval.isNegative()) {
                throw new IllegalArgumentException("restart_interval must not be negative but was " + restartInterval);
            }
            if (!(restartJitter >= 0 && restartJitter <= 1)) {
                throw new IllegalArgumentException("restart_jitter must be in [0, 1] but was " + restartJitter);
            }
            if (maxServerId < 1) {
                throw new IllegalArgumentException("max_server_id must be at least 1 but was " + maxServerId);
            }
            for (Map.Entry<String, HaproxyService> e : services.entrySet()) {
                requireProxyNames(e.getKey(), e.getValue());
            }
            Settings s = new Settings();
            s.global = global;
            s.defaults = defaults;
            s.extraSections = Map.copyOf(extraSections).isEmpty() ? Map.of() : new LinkedHashMap<>(extraSections);
            s.services = new LinkedHashMap<>(services);
            s.configFilePath = configFilePath;
            s.doWrites = doWrites;
            s.doReloads = doReloads;
            s.reloadCommand = reloadCommand;
            s.doSocket = doSocket;
            s.socketFilePath = socket;
            s.restartInterval = restartInterval;
            s.restartJitter = restartJitter;
            s.serverStateFilePath = serverStateFilePath != null ? serverStateFilePath
                    : doSocket && configFilePath != null ? sibling(configFilePath, ".state") : null;
            s.bindAddress = bindAddress;
            s.useNerveWeights = useNerveWeights;
            s.maxServerId = maxServerId;
            s.haproxyPath = haproxyPath;
            s.manageProcess = manageProcess;
            s.masterSocketPath = masterSocketPath != null ? masterSocketPath
                    : configFilePath != null ? sibling(configFilePath, ".master") : null;
            s.pidFilePath = pidFilePath != null ? pidFilePath
                    : configFilePath != null ? sibling(configFilePath, ".pid") : null;
            s.commandTimeout = commandTimeout;
            s.metrics = metrics;
            s.clock = clock;
            s.listeners = List.copyOf(listeners);
            return new HaproxyOutput(s);
        }

        /** HAProxy's proxy names: the frontend is named after the service, the backend after backend_name. */
        static void requireProxyNames(String service, HaproxyService config) {
            if (!service.matches("[A-Za-z0-9._:-]+")) {
                throw new IllegalArgumentException("service name must be one token of [A-Za-z0-9._:-] but was "
                        + Validation.quote(service));
            }
            String be = config.backendName() != null ? config.backendName() : service;
            if (!be.matches("[A-Za-z0-9._:-]+")) {
                throw new IllegalArgumentException("backend_name of service '" + service
                        + "' must be one token of [A-Za-z0-9._:-] but was " + Validation.quote(be));
            }
        }

        private static Path sibling(Path file, String suffix) {
            return file.resolveSibling(file.getFileName() + suffix);
        }
    }
}
