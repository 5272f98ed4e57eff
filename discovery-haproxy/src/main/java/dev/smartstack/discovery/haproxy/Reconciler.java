package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output's reconciler: one thread ({@code smartstack-haproxy-<n>}) that takes snapshots into
 * the desired state, diffs it against what HAProxy has, and sends the runtime commands of each pass
 * over one connection. Decisions are made under {@link #lock}; the socket is used, and listeners
 * are called, after releasing it. Config files, {@code haproxy -c} and reloads belong to the
 * {@link InstallLoop}, on its own thread, so a runtime update never waits for them; only while a
 * reload replaces the worker (whose runtime state is then read from the new config) do runtime
 * commands wait.
 */
final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);
    static final long DRAIN_POLL_MILLIS = 200;

    final Object lock = new Object();
    private final Settings settings;
    private final Events events;
    private final RuntimeClient client;
    private final RuntimeKeywords keywords;
    // Guarded by lock.
    final DesiredState desired;
    final AppliedState applied;
    final ReloadScheduler reloads;
    private final List<Runnable> outbox = new ArrayList<>();
    /** Per service, the last snapshot version whose runtime latency was recorded (so each is recorded once). */
    private final Map<String, Long> latencyRecorded = new java.util.HashMap<>();
    private boolean reloadInFlight;
    /** The reload scheduler's generation when the reload in flight started. */
    private long reloadGeneration;
    private boolean passScheduled;
    /** False until {@link #begin()}: snapshots handed over before the output starts wait in the queue. */
    private boolean running;
    /** The desired-state version the install loop was last kicked for. */
    private long kickedVersion = -1;
    private boolean closed;
    private ScheduledFuture<?> drainTimer;
    private Runnable installKick = () -> { };
    private final ScheduledThreadPoolExecutor thread;

    Reconciler(Settings settings, Events events, RuntimeClient client, RuntimeKeywords keywords) {
        this.settings = settings;
        this.events = events;
        this.client = client;
        this.keywords = keywords;
        Admission admission = new Admission(settings.useNerveWeights(), settings.maxServerId(), client != null, keywords);
        this.desired = new DesiredState(admission, settings.services());
        this.applied = new AppliedState(new DrainTracker(settings.clock(), settings.drainTimeout()));
        this.reloads = new ReloadScheduler(settings.clock(), settings.restartInterval(), settings.restartJitter(),
                java.util.concurrent.ThreadLocalRandom.current()::nextDouble);
        this.thread = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("smartstack-haproxy"));
        this.thread.setRemoveOnCancelPolicy(true);
    }

    /** Called when the desired state changed in a way the config file must follow. */
    void onDesiredChange(Runnable kick) {
        this.installKick = kick;
    }

    void offer(ServiceSnapshot snapshot) {
        synchronized (lock) {
            desired.offer(snapshot);
            schedulePass();
        }
    }

    void configure(String service, HaproxyService config) {
        synchronized (lock) {
            if (desired.configure(service, config)) {
                reloads.request("config of service '" + service + "' changed");
            }
            schedulePass();
        }
    }

    /** The output started: passes run from now on, the first one for what was queued before. */
    void begin() {
        synchronized (lock) {
            running = true;
            schedulePass();
        }
    }

    /** Another pass (under the lock). */
    void schedulePass() {
        if (passScheduled || closed || !running) {
            return;
        }
        passScheduled = true;
        try {
            thread.execute(this::pass);
        } catch (RejectedExecutionException e) {
            passScheduled = false;
        }
    }

    /** Queues a report to run once the lock is released (under the lock). */
    void report(Runnable r) {
        outbox.add(r);
    }

    /** Runs the queued reports; never called with the lock held. */
    void flushReports() {
        List<Runnable> todo;
        synchronized (lock) {
            if (outbox.isEmpty()) {
                return;
            }
            todo = new ArrayList<>(outbox);
            outbox.clear();
        }
        for (Runnable r : todo) {
            r.run();
        }
    }

    /** The config model of the desired state, brought up to date: captured under the lock, built after it. */
    ConfigModel desiredModel() {
        return desiredWith(null, null);
    }

    /**
     * As {@link #desiredModel()}, with {@code service}'s section replaced by {@code config}
     * (keeping its current servers): the candidate that {@link HaproxyOutput#check} has HAProxy try.
     * A null {@code service} replaces nothing.
     */
    ConfigModel desiredWith(String service, HaproxyService config) {
        intakeNow();
        List<ConfigModel.Input> inputs;
        long version;
        synchronized (lock) {
            version = desired.version();
            inputs = new java.util.ArrayList<>(desired.capture());
        }
        if (service == null) {
            return ConfigModel.of(version, settings, inputs);
        }
        java.util.Collection<ConfigRenderer.Server> servers = List.of();
        for (java.util.Iterator<ConfigModel.Input> it = inputs.iterator(); it.hasNext();) {
            ConfigModel.Input in = it.next();
            if (in.service().equals(service)) {
                servers = in.servers();
                it.remove();
            }
        }
        if (!config.disabled()) {
            inputs.add(new ConfigModel.Input(service, config, DesiredService.backendName(service, config), servers));
        }
        return ConfigModel.of(version, settings, inputs);
    }

    /**
     * Takes the queued snapshots into the desired state now, on the caller's thread, so that what
     * is rendered next reflects every snapshot handed over so far; the runtime diff stays with the
     * reconciler thread.
     */
    void intakeNow() {
        boolean kick;
        synchronized (lock) {
            desired.intake(this::held, reloads::request, this::report, events);
            if (desired.hasDirty()) {
                schedulePass();
            }
            kick = takeKick();
        }
        flushReports();
        if (kick) {
            installKick.run();
        }
    }

    /**
     * Whether the install loop must run: the desired state moved since it was last kicked (by a
     * pass or by {@link #intakeNow}), or a reload is wanted (under the lock).
     */
    private boolean takeKick() {
        long version = desired.version();
        boolean kick = version != kickedVersion || reloads.pending();
        kickedVersion = version;
        return kick;
    }

    private void pass() {
        RuntimePlan plan = new RuntimePlan();
        List<ServiceSnapshot> timed = new ArrayList<>();
        boolean kick;
        synchronized (lock) {
            passScheduled = false;
            if (closed) {
                return;
            }
            desired.intake(this::held, reloads::request, this::report, events);
            if (!reloadInFlight) {
                for (DesiredService ds : desired.takeDirty()) {
                    int before = plan.ops.size();
                    planService(ds, plan);
                    if (plan.ops.size() > before && ds.last != null
                            && latencyRecorded.getOrDefault(ds.service, -1L) < ds.last.version()) {
                        latencyRecorded.put(ds.service, ds.last.version());
                        timed.add(ds.last);
                    }
                }
                if (!applied.drains.isEmpty()) {
                    applied.planDrains(plan, desired::serviceOfBackend);
                }
            }
            kick = takeKick(); // after planning: a reload it asked for must reach the install loop
        }
        flushReports();
        if (!plan.isEmpty() && send(plan)) {
            java.time.Instant now = settings.clock().instant();
            for (ServiceSnapshot s : timed) {
                events.runtimeApplied(s.service(), java.time.Duration.between(s.time(), now));
            }
        }
        if (kick) {
            // after the runtime commands: the file (render, write, maybe haproxy -c) follows and
            // does not compete with them for the CPU
            installKick.run();
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (desired.hasPending()) {
                schedulePass();
            } else if (!applied.drains.isEmpty() && (drainTimer == null || drainTimer.isDone())) {
                drainTimer = thread.schedule(() -> {
                    synchronized (lock) {
                        schedulePass();
                    }
                }, DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        flushReports();
    }

    /**
     * The ids a new server may not take: with the runtime API, those HAProxy still holds; without
     * it, none (a reload replaces every server at once).
     */
    private ServerIds.Held held(String backend) {
        return client != null ? applied.held(backend) : ServerIds.Held.NONE;
    }

    /** The runtime commands for one changed service, or a reload when they cannot do it (under the lock). */
    private void planService(DesiredService ds, RuntimePlan plan) {
        if (ds.config.disabled()) {
            ds.diff(null);
            return;
        }
        String why = whyNotAtRuntime(ds);
        if (why == null) {
            applied.plan(ds, plan, ds.takeTouched());
            return;
        }
        ds.diff(null); // what is not done at run time is diffed in full next time
        if (applied.has(ds)) {
            return; // HAProxy already runs exactly these servers (as after the reload that loaded them)
        } else if (!(reloads.pending() && !applied.isLive(ds.backendName))) {
            reloads.request("membership of '" + ds.service + "' changed and " + why);
        }
    }

    private String whyNotAtRuntime(DesiredService ds) {
        if (client == null) {
            return "the runtime API is off";
        }
        if (!applied.isLive(ds.backendName)) {
            return "its backend is not live yet";
        }
        if (ds.usesCookies()) {
            return "it uses cookies, which HAProxy 2.6 cannot add at run time";
        }
        String keyword = keywords.firstRefused(ds.config.serverOptions());
        if (keyword != null) {
            return "its server_options has '" + keyword + "', which 'add server' does not take";
        }
        return null;
    }

    /** Sends a plan over one connection and applies the answers; false when the socket gave none. */
    private boolean send(RuntimePlan plan) {
        List<RuntimeCommand> commands = plan.commands();
        events.commandsSent(commands);
        List<RuntimeCommand.Answer> answers;
        try {
            answers = client.send(commands);
        } catch (IOException | RuntimeException e) {
            log.warn("haproxy stats socket {} failed: {}", client.socket(), e.toString());
            events.runtimeFailed(commands.get(0).verb(), commands.get(0).text() + (commands.size() > 1 ? " (and " + (commands.size() - 1)
                    + " more)" : ""), "no answer: " + e.getMessage());
            synchronized (lock) {
                reloads.request("the stats socket gave no answer");
            }
            installKick.run();
            return false;
        }
        boolean idle;
        boolean[] reload = new boolean[1];
        synchronized (lock) {
            idle = applied.apply(plan, answers, keywords, events, why -> {
                reloads.request(why);
                reload[0] = true;
            }, this::report, desired::readmit, desired::markDirty);
            if (idle || desired.hasPending()) {
                schedulePass();
            }
        }
        if (reload[0]) {
            installKick.run();
        }
        return true;
    }

    // ---------------------------------------------------------------- for the install loop

    /** Marks the start of a reload: runtime commands wait until it is done (under the lock). */
    void reloadStarted() {
        reloadInFlight = true;
        reloadGeneration = reloads.started();
    }

    /**
     * A reload (or start) is over (under the lock). After a success HAProxy has exactly the
     * servers of {@code servers}; every service is diffed again.
     */
    void reloadFinished(boolean ok, Map<String, Map<String, ConfigRenderer.Server>> servers) {
        reloadInFlight = false;
        if (ok) {
            reloads.succeeded(reloadGeneration); // a request made meanwhile stays pending
            applied.reset(servers);
            desired.markAllDirty();
        } else {
            reloads.failed();
        }
        schedulePass();
    }

    /** The managed HAProxy died (under the lock). */
    void processLost() {
        applied.lost();
        reloads.request("HAProxy exited unexpectedly");
    }

    void close() {
        synchronized (lock) {
            closed = true;
        }
        thread.shutdownNow();
        if (!Thread.currentThread().getName().startsWith("smartstack-haproxy-")) {
            try {
                if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("haproxy reconciler thread did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
