package dev.smartstack.discovery.haproxy;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link HaproxyOutput}. Each setting maps one to one onto a key of Synapse's global or
 * per-service {@code haproxy} section; {@link #build()} checks them and does no I/O.
 */
public final class HaproxyOutputBuilder {
    private List<String> global = List.of();
    private List<String> defaults = List.of();
    private final Map<String, List<String>> extraSections = new LinkedHashMap<>();
    private final Map<String, HaproxyService> services = new LinkedHashMap<>();
    private Path configFilePath;
    private boolean doWrites = true;
    private HaproxyReload reload;
    private boolean doSocket = true;
    private Path socketFilePath;
    private Duration restartInterval = Duration.ofSeconds(2);
    private double restartJitter;
    private Path serverStateFilePath;
    private String bindAddress = "localhost";
    private boolean useNerveWeights;
    private int maxServerId = 65535;
    private String haproxyPath = "haproxy";
    private Path masterSocketPath;
    private Path pidFilePath;
    private Duration commandTimeout = Duration.ofSeconds(30);
    private Duration drainTimeout = Duration.ofSeconds(60);
    private DiscoveryMetrics metrics = DiscoveryMetrics.NOOP;
    private Clock clock = Clock.systemUTC();
    private final List<HaproxyListener> listeners = new ArrayList<>();

    HaproxyOutputBuilder() {
    }

    /** {@code global}: lines of the global section; default none. */
    public HaproxyOutputBuilder global(List<String> lines) {
        this.global = HaproxyService.Builder.lines("global", lines);
        return this;
    }

    /** {@code defaults}: lines of the defaults section; default none. */
    public HaproxyOutputBuilder defaults(List<String> lines) {
        this.defaults = HaproxyService.Builder.lines("defaults", lines);
        return this;
    }

    /** {@code extra_sections}: a section title (e.g. {@code "listen stats"}) and its lines. */
    public HaproxyOutputBuilder extraSection(String title, List<String> lines) {
        HaproxyService.Builder.oneLine("extra_sections", title);
        extraSections.put(title.strip(), HaproxyService.Builder.lines("extra_sections." + title, lines));
        return this;
    }

    /** A service's {@code haproxy} section. Services without one are left out of the config. */
    public HaproxyOutputBuilder service(String name, HaproxyService config) {
        Validation.requireValidName("service", name);
        services.put(name, Objects.requireNonNull(config, "config == null"));
        return this;
    }

    /** {@code config_file_path}; required when {@code do_writes} is on. */
    public HaproxyOutputBuilder configFilePath(Path path) {
        this.configFilePath = path;
        return this;
    }

    /** {@code do_writes}; default true. */
    public HaproxyOutputBuilder doWrites(boolean doWrites) {
        this.doWrites = doWrites;
        return this;
    }

    /**
     * Required: how HAProxy is reloaded: {@link HaproxyReload#managed()} ({@code manage_process}),
     * {@link HaproxyReload#command} ({@code reload_command}) or {@link HaproxyReload#none()}
     * ({@code do_reloads: false}).
     */
    public HaproxyOutputBuilder reload(HaproxyReload reload) {
        this.reload = Objects.requireNonNull(reload, "reload == null");
        return this;
    }

    /** {@code do_socket}; default true. */
    public HaproxyOutputBuilder doSocket(boolean doSocket) {
        this.doSocket = doSocket;
        return this;
    }

    /** {@code socket_file_path}: the admin-level stats socket; required with {@code do_socket} unless managed ({@code <config>.sock}). */
    public HaproxyOutputBuilder socketFilePath(Path path) {
        this.socketFilePath = path;
        return this;
    }

    /** {@code restart_interval}: the minimum time between reloads; default 2 s. */
    public HaproxyOutputBuilder restartInterval(Duration interval) {
        this.restartInterval = Objects.requireNonNull(interval, "restart_interval == null");
        return this;
    }

    /** {@code restart_jitter}: a random fraction of the interval added to it; default 0. */
    public HaproxyOutputBuilder restartJitter(double jitter) {
        this.restartJitter = jitter;
        return this;
    }

    /** The {@code server-state-file}; default {@code <config>.state} when the socket is used. */
    public HaproxyOutputBuilder serverStateFilePath(Path path) {
        this.serverStateFilePath = path;
        return this;
    }

    /** {@code bind_address}: the default for services; default {@code localhost}. */
    public HaproxyOutputBuilder bindAddress(String address) {
        this.bindAddress = Validation.requireToken("bind_address", Objects.requireNonNull(address, "bind_address == null"));
        return this;
    }

    /** {@code use_nerve_weights}; default false. */
    public HaproxyOutputBuilder useNerveWeights(boolean use) {
        this.useNerveWeights = use;
        return this;
    }

    /** {@code max_server_id}; default 65535. */
    public HaproxyOutputBuilder maxServerId(int max) {
        this.maxServerId = max;
        return this;
    }

    /** (ext) {@code haproxy_path}; default {@code haproxy}. */
    public HaproxyOutputBuilder haproxyPath(String path) {
        this.haproxyPath = Objects.requireNonNull(path, "haproxy_path == null");
        return this;
    }

    /** The master CLI socket of a managed HAProxy; default {@code <config>.master}. */
    public HaproxyOutputBuilder masterSocketPath(Path path) {
        this.masterSocketPath = path;
        return this;
    }

    /** The pid file of a managed HAProxy; default {@code <config>.pid}. */
    public HaproxyOutputBuilder pidFilePath(Path path) {
        this.pidFilePath = path;
        return this;
    }

    /** The bound on {@code haproxy -c}, the reload command and socket commands; default 30 s. */
    public HaproxyOutputBuilder commandTimeout(Duration timeout) {
        this.commandTimeout = Objects.requireNonNull(timeout, "command_timeout == null");
        return this;
    }

    /**
     * (ext) {@code drain_timeout}: how long a leaving server keeps its sessions before they are
     * shut down and it is deleted; default 60 s.
     */
    public HaproxyOutputBuilder drainTimeout(Duration timeout) {
        this.drainTimeout = Objects.requireNonNull(timeout, "drain_timeout == null");
        return this;
    }

    public HaproxyOutputBuilder listener(HaproxyListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener == null"));
        return this;
    }

    /** Default {@link DiscoveryMetrics#NOOP}. */
    public HaproxyOutputBuilder metrics(DiscoveryMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics == null");
        return this;
    }

    /** The clock for reload rate limits and drain timeouts; default the system clock. */
    public HaproxyOutputBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock == null");
        return this;
    }

    /** Checks the settings; does no I/O. */
    public HaproxyOutput build() {
        if (reload == null) {
            throw new IllegalArgumentException(
                    "reload is required: HaproxyReload.managed(), HaproxyReload.command(argv) or HaproxyReload.none()");
        }
        boolean managed = reload instanceof HaproxyReload.Managed;
        if (doWrites && configFilePath == null) {
            throw new IllegalArgumentException("config_file_path is required when do_writes is on");
        }
        if (managed && !doWrites) {
            throw new IllegalArgumentException("manage_process needs do_writes on");
        }
        Path socket = socketFilePath;
        if (doSocket && socket == null) {
            if (!managed) {
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
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain_timeout must not be negative but was " + drainTimeout);
        }
        for (Map.Entry<String, HaproxyService> e : services.entrySet()) {
            HaproxyNames.requireProxyNames(e.getKey(), e.getValue());
        }
        HaproxyNames.requireUniqueBackendNames(services);
        Path state = serverStateFilePath != null ? serverStateFilePath
                : doSocket && configFilePath != null ? sibling(configFilePath, ".state") : null;
        Path master = masterSocketPath != null ? masterSocketPath
                : configFilePath != null ? sibling(configFilePath, ".master") : null;
        Path pid = pidFilePath != null ? pidFilePath : configFilePath != null ? sibling(configFilePath, ".pid") : null;
        return new HaproxyOutput(new Settings(global, defaults, new LinkedHashMap<>(extraSections),
                new LinkedHashMap<>(services), configFilePath, doWrites, reload, doSocket, socket, restartInterval,
                restartJitter, state, bindAddress, useNerveWeights, maxServerId, haproxyPath, master, pid, commandTimeout,
                drainTimeout, metrics, clock, List.copyOf(listeners)));
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }
}
