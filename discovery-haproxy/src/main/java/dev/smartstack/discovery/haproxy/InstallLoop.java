package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config file and reloads, on the output's second thread ({@code smartstack-haproxy-config-<n>}):
 * captures the desired state under the reconciler's lock, renders, checks and installs it outside
 * the lock (coalesced: a burst of changes is one file), and reloads when the reload scheduler says
 * so, saving the server state first. Runtime updates never wait for any of this.
 */
final class InstallLoop {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);

    private final Settings settings;
    private final Events events;
    private final Reconciler r;
    private final RuntimeClient client;
    private final ConfigInstaller installer;
    private final ServerStateFile stateFile;
    private final Supervisor supervisor;
    private final ScheduledThreadPoolExecutor thread;
    /** The loop's thread only: unchanged services are neither ordered nor rendered again. */
    private final SectionCache sections = new SectionCache();
    // Guarded by r.lock.
    private boolean scheduled;
    private boolean closed;
    // The loop's thread only.
    private long capturedVersion = -1;
    /** Whether startManaged ran: before it, a pass installs the file but starts nothing. */
    private boolean managedStarted;
    private volatile ConfigModel installedModel;
    private boolean configValid = true;
    private static final int MAX_DEFERRALS = 5;
    /** Reloads put off for a newer change, in a row. */
    private int deferrals;
    /** The desired-state version of the last failed reload: retried only after a change. */
    private long failedAtVersion = -1;

    InstallLoop(Settings settings, Events events, Reconciler r, RuntimeClient client, Supervisor supervisor) {
        this.settings = settings;
        this.events = events;
        this.r = r;
        this.client = client;
        this.supervisor = supervisor;
        this.installer = settings.doWrites()
                ? new ConfigInstaller(settings.configFilePath(), settings.haproxyPath(), settings.commandTimeout(),
                        settings.checkCommand(), settings.candidateConfigFilePath())
                : null;
        this.stateFile = client != null && settings.serverStateFilePath() != null
                ? new ServerStateFile(settings.serverStateFilePath()) : null;
        this.thread = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("smartstack-haproxy-config"));
        this.thread.setRemoveOnCancelPolicy(true);
    }

    /** Asks for a pass; passes asked for while one is queued are one pass. */
    void kick() {
        synchronized (r.lock) {
            if (scheduled || closed) {
                return;
            }
            scheduled = true;
            try {
                thread.execute(this::pass);
            } catch (RejectedExecutionException e) {
                scheduled = false;
            }
        }
    }

    private void kickLater(long millis) {
        try {
            thread.schedule(this::kick, Math.max(1, millis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Installs the first config and starts the managed HAProxy on the loop's thread, so that no
     * pass kicked meanwhile (by an update or a configure) runs beside it; waits for it. Null or the
     * error.
     */
    String startManaged() {
        java.util.concurrent.Future<String> start;
        try {
            start = thread.submit(this::startManagedOnLoop);
        } catch (RejectedExecutionException e) {
            return "the output is closed";
        }
        try {
            return start.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting HAProxy";
        } catch (java.util.concurrent.ExecutionException e) {
            events.error("haproxy output failed to start HAProxy: " + e.getCause(), e.getCause());
            return "failed to start HAProxy: " + e.getCause();
        }
    }

    private String startManagedOnLoop() {
        managedStarted = true;
        installCurrent();
        if (installedModel == null || !configValid) {
            return "the initial config was not installed: " + events.lastError();
        }
        ConfigModel model = installedModel;
        synchronized (r.lock) {
            r.reloadStarted();
        }
        long started = System.nanoTime();
        String error = supervisor.start(this::exited);
        events.reloadTook(error == null, Duration.ofNanos(System.nanoTime() - started));
        synchronized (r.lock) {
            r.reloadFinished(error == null, model.serversByBackend());
        }
        if (error == null) {
            events.reloaded("started");
        } else {
            events.startFailed(error);
        }
        return error;
    }

    private void pass() {
        synchronized (r.lock) {
            scheduled = false;
            if (closed) {
                return;
            }
        }
        try {
            installCurrent();
            maybeReload();
        } catch (RuntimeException e) {
            events.error("haproxy output failed to install or reload: " + e, e);
        }
        r.flushReports();
    }

    private void installCurrent() {
        List<ConfigModel.Input> inputs = null;
        long version;
        synchronized (r.lock) {
            version = r.desired.version();
            if (version != capturedVersion) {
                inputs = r.desired.capture();
            }
        }
        if (inputs == null) {
            return;
        }
        ConfigModel model = sections.model(version, settings, inputs);
        capturedVersion = version;
        if (installer == null) {
            installedModel = model;
            return;
        }
        ConfigInstaller.Result result = installer.install(model, sections.render(model));
        switch (result.outcome()) {
            case INSTALLED_CHECKED, INSTALLED_FAST -> {
                installedModel = model;
                configValid = true;
                log.debug("haproxy config {} installed ({})", settings.configFilePath(), result.outcome());
            }
            case UNCHANGED -> {
                installedModel = model;
                configValid = true;
            }
            case INVALID -> {
                configValid = false;
                events.configInvalid(settings.configFilePath().toString(), result.error());
            }
            case NOT_CHECKED -> {
                // haproxy -c timed out or could not run: nothing is known about this content; retried
                configValid = false;
                capturedVersion = -1;
                events.error("haproxy config " + settings.configFilePath() + " could not be validated; retrying: "
                        + result.error(), null);
                kickLater(Math.max(1000, settings.restartInterval().toMillis()));
            }
            default -> throw new IllegalStateException("unknown outcome " + result.outcome());
        }
    }

    private void maybeReload() {
        ConfigModel model;
        String reason;
        long version;
        synchronized (r.lock) {
            if (closed || !r.reloads.pending()) {
                return;
            }
            if (settings.reload() instanceof HaproxyReload.None) {
                // the operator reloads; the file (or the runtime API) carries everything
                r.reloads.cancel();
                if (installedModel != null) {
                    r.applied.reset(installedModel.serversByBackend());
                    r.desired.markAllDirty();
                    r.schedulePass();
                }
                return;
            }
            if (supervisor != null && !managedStarted) {
                return; // the first start is startManaged's; it loads what is installed then
            }
            boolean dead = supervisor != null && !supervisor.alive();
            if (installedModel == null || !configValid && !dead || failedAtVersion == r.desired.version() && !dead) {
                return;
            }
            long wait = r.reloads.millisUntilDue();
            if (wait > 0) {
                kickLater(wait);
                return;
            }
            if (capturedVersion != r.desired.version() && deferrals++ < MAX_DEFERRALS) {
                // a newer change came in while this one was installed: install it too, then one
                // reload for both (at most a few times, so steady churn cannot hold a reload back)
                thread.execute(this::pass);
                return;
            }
            deferrals = 0;
            r.reloadStarted();
            model = installedModel;
            reason = r.reloads.reason();
            version = r.desired.version();
        }
        saveServerState(model);
        String error;
        long started = System.nanoTime();
        if (supervisor != null) {
            error = supervisor.alive() ? supervisor.reload() : supervisor.start(this::exited);
        } else {
            error = ProcessRunner.run(((HaproxyReload.Command) settings.reload()).argv(), "reload_command",
                    settings.commandTimeout());
        }
        events.reloadTook(error == null, Duration.ofNanos(System.nanoTime() - started));
        synchronized (r.lock) {
            r.reloadFinished(error == null, model.serversByBackend());
        }
        failedAtVersion = error == null ? -1 : version;
        if (error == null) {
            events.reloaded(reason);
        } else {
            events.reloadFailed(reason, error);
        }
    }

    /** Writes the server-state file from the running HAProxy, for the servers {@code model} keeps. */
    void saveServerState(ConfigModel model) {
        if (stateFile == null) {
            return;
        }
        if (!client.anySocketExists()) {
            // Before the first start (reload_command) no HAProxy runs: there is nothing to save yet.
            log.debug("haproxy server state not saved: no runtime socket exists yet");
            return;
        }
        try {
            List<RuntimeCommand> show = List.of(RuntimeCommand.showServersState());
            events.commandsSent(show); // counted in the metric too, as every runtime command
            RuntimeCommand.Answer a = client.send(show).get(0);
            if (!a.ok()) {
                throw new IOException(a.describe());
            }
            Map<String, Map<String, Integer>> ids = new HashMap<>();
            if (model != null) {
                for (Map.Entry<String, Map<String, ConfigRenderer.Server>> e : model.serversByBackend().entrySet()) {
                    Map<String, Integer> m = new HashMap<>();
                    for (ConfigRenderer.Server s : e.getValue().values()) {
                        m.put(s.name(), s.id());
                    }
                    ids.put(e.getKey(), m);
                }
            }
            stateFile.write(a.text(), ids);
        } catch (IOException | RuntimeException e) {
            log.warn("haproxy server state could not be saved to {}: {}", stateFile.path(), e.toString());
        }
    }

    ConfigModel installedModel() {
        return installedModel;
    }

    /** The managed HAProxy exited without being stopped: report it and start it again. */
    private void exited(String description) {
        synchronized (r.lock) {
            if (closed) {
                return;
            }
            r.processLost();
        }
        events.processExited(description);
        kick();
    }

    /** Stops the thread; an install or reload under way is interrupted. */
    void close() {
        synchronized (r.lock) {
            closed = true;
        }
        thread.shutdownNow();
        if (!Thread.currentThread().getName().startsWith("smartstack-haproxy-")) {
            try {
                if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("haproxy install thread did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
