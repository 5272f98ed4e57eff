package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HAProxy output of a {@code SynapseWatcher}: keeps a local HAProxy's frontends and backends
 * in line with the snapshots it is handed, as a reconciler.
 *
 * <ul>
 *   <li>A join, leave or weight change in a backend that the running HAProxy has goes over the
 *       runtime API at once, the commands of one pass over one connection: {@code add server} +
 *       {@code enable server}, {@code set server ... weight}, or {@code set server ... state maint}
 *       and, once HAProxy holds no queued request and no session for the server (or
 *       {@code drain_timeout} ran out and its sessions were shut down), {@code del server}. No
 *       reload, ever, for membership.</li>
 *   <li>HAProxy knows a server by its name: two znodes that render the same server are one server,
 *       and a Nerve registering again under a new znode changes nothing.</li>
 *   <li>The config file follows every change, coalesced, on the output's install thread: a file
 *       that only changes servers with option sets {@code haproxy -c} already accepted is installed
 *       at once, any other only after {@code haproxy -c} accepts it; always by atomic rename.</li>
 *   <li>A reload ({@link HaproxyReload}) happens only when a frontend or backend appears or
 *       disappears, an operator config changes, a backend uses cookies (which 2.6 cannot add at run
 *       time), or a runtime command failed. Reloads are at least {@code restart_interval} (plus
 *       {@code restart_jitter}) apart and coalesced; the server state is saved first.</li>
 * </ul>
 * Failures never throw out of {@link #update}: the running HAProxy keeps serving, the error goes to
 * the {@link HaproxyListener}s and the log.
 *
 * <p>Ownership: whoever builds the output starts and closes it; a watcher only hands it snapshots.
 * Threads: {@link #update} only queues the snapshot; the reconciler thread
 * {@code smartstack-haproxy-<n>} and the install thread {@code smartstack-haproxy-config-<n>} do
 * the rest.
 */
public final class HaproxyOutput implements SnapshotOutput, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaproxyOutput.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final Settings settings;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Events events;
    private final Reconciler reconciler;
    private final InstallLoop installLoop;
    private final Supervisor supervisor;

    HaproxyOutput(Settings settings) {
        this.settings = settings;
        this.events = new Events(settings.metrics());
        events.listeners.addAll(settings.listeners());
        RuntimeClient client = settings.doSocket()
                ? new RuntimeClient(settings.socketFilePaths(), settings.commandTimeout()) : null;
        this.reconciler = new Reconciler(settings, events, client, new RuntimeKeywords());
        this.supervisor = settings.manageProcess() ? new Supervisor(settings) : null;
        this.installLoop = new InstallLoop(settings, events, reconciler, client, supervisor);
        reconciler.onDesiredChange(installLoop::kick);
        if (supervisor != null) {
            supervisor.beforeJvmStop(() -> installLoop.saveServerState(installLoop.installedModel()));
        }
    }

    /** A builder; see {@link HaproxyOutputBuilder} for the settings and their defaults. */
    public static HaproxyOutputBuilder builder() {
        return new HaproxyOutputBuilder();
    }

    /**
     * Starts the output: with a managed HAProxy, writes the first config and starts HAProxy before
     * returning. Returns this.
     *
     * @throws IllegalStateException when started twice or after close
     */
    public HaproxyOutput start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HaproxyOutput cannot be started in state " + state.get());
        }
        log.info("haproxy output started (config {}, socket {}, reload {})", settings.configFilePath(),
                settings.socketFilePaths(), settings.reload());
        reconciler.intakeNow(); // snapshots handed over before start() are in the first config
        reconciler.begin();
        if (supervisor != null) {
            installLoop.startManaged(); // on the install thread; a failure is reported to the listeners and the log
        }
        return this;
    }

    /**
     * Stops the output's threads; with a managed HAProxy, saves its server state, then stops it
     * once (it is never started again). Calling it twice is harmless.
     */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        reconciler.close();
        installLoop.close();
        if (supervisor != null) {
            if (supervisor.alive()) {
                installLoop.saveServerState(installLoop.installedModel());
            }
            supervisor.stop();
        }
        log.info("haproxy output closed (config {})", settings.configFilePath());
    }

    public void addListener(HaproxyListener listener) {
        events.listeners.add(Objects.requireNonNull(listener, "listener == null"));
    }

    /** Reloads performed (including the managed process's first start). */
    public long reloads() {
        return events.reloads.get();
    }

    /** Reloads attempted that failed. */
    public long failedReloads() {
        return events.failedReloads.get();
    }

    /** Runtime API commands sent to the stats socket. */
    public long runtimeCommands() {
        return events.runtimeCommands.get();
    }

    /** The last error reported, if any. */
    public Optional<String> lastError() {
        return Optional.ofNullable(events.lastError());
    }

    /** The config file this output writes, if any. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(settings.configFilePath());
    }

    /** Whether a reload is wanted and not yet done. */
    public boolean reloadPending() {
        synchronized (reconciler.lock) {
            return reconciler.reloads.pending();
        }
    }

    /** Servers put into maintenance that HAProxy still holds (draining), for tools and tests. */
    public int drainingServers() {
        synchronized (reconciler.lock) {
            return reconciler.applied.drains.size();
        }
    }

    /**
     * Replaces (or adds) a service's {@code haproxy} section at run time, as when the operator
     * fixes a config. The service's frontend and backend are re-rendered and HAProxy is reloaded.
     *
     * @throws IllegalArgumentException for a name HAProxy cannot take, or a {@code backend_name}
     *     another service has
     */
    public void configure(String service, HaproxyService config) {
        Objects.requireNonNull(service, "service == null");
        Objects.requireNonNull(config, "config == null");
        HaproxyNames.requireProxyNames(service, config);
        reconciler.configure(service, config);
    }

    /**
     * Hands a snapshot to the reconciler; never blocks on HAProxy and never throws. Before
     * {@link #start()} the snapshot is queued (the newest per service) and goes into the first
     * config; after {@link #close()} it is ignored.
     */
    @Override
    public void update(ServiceSnapshot snapshot) {
        if (state.get() == State.CLOSED) {
            log.warn("haproxy output ignores {} because it is closed", snapshot);
            return;
        }
        reconciler.offer(snapshot);
    }

    /** {@code haproxy}. */
    @Override
    public String outputName() {
        return "haproxy";
    }

    /**
     * Whether HAProxy would take the config with {@code service}'s section replaced by
     * {@code config} (and its current servers): runs {@code haproxy -c} on that candidate, in a
     * temporary file beside the config file, and blocks until it answers. Call it before
     * {@link #configure} with settings from an untrusted source, on a thread that may block; no
     * lock is held while it runs. Without {@code do_writes} nothing is installed, so nothing is checked.
     *
     * @return empty when HAProxy accepts it, else HAProxy's error
     * @throws IllegalArgumentException as {@link #configure} for the names
     */
    public Optional<String> check(String service, HaproxyService config) {
        Objects.requireNonNull(service, "service == null");
        Objects.requireNonNull(config, "config == null");
        HaproxyNames.requireProxyNames(service, config);
        if (!settings.doWrites()) {
            return Optional.empty();
        }
        ConfigModel model = reconciler.desiredWith(service, config);
        Path dir = settings.configFilePath().toAbsolutePath().getParent();
        Path candidate = null;
        try {
            candidate = java.nio.file.Files.createTempFile(dir, ".haproxy-check-", ".cfg");
            java.nio.file.Files.writeString(candidate, model.render());
            return Optional.ofNullable(new ConfigInstaller(settings.configFilePath(), settings.haproxyPath(),
                    settings.commandTimeout()).check(candidate));
        } catch (java.io.IOException e) {
            return Optional.of("cannot write a candidate config in " + dir + ": " + e);
        } finally {
            if (candidate != null) {
                try {
                    java.nio.file.Files.deleteIfExists(candidate);
                } catch (java.io.IOException e) {
                    log.warn("haproxy output could not delete {}: {}", candidate, e.toString());
                }
            }
        }
    }

    /** The config text of the current desired state, for tools, tests and benchmarks. */
    public String renderConfig() {
        return render();
    }

    String render() {
        return reconciler.desiredModel().render();
    }

    Settings settingsForTest() {
        return settings;
    }

    /** The managed process's master CLI, for tests and tools; empty unless the process is managed. */
    Optional<MasterCli> masterCli() {
        return supervisor == null || !supervisor.alive() ? Optional.empty() : Optional.of(supervisor.master());
    }
}
