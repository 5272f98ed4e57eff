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
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HaproxyOutputBuilder.class);
    private List<String> global = List.of();
    private List<String> defaults = List.of();
    private final Map<String, List<String>> extraSections = new LinkedHashMap<>();
    private final Map<String, HaproxyService> services = new LinkedHashMap<>();
    private Path configFilePath;
    private boolean doWrites = true;
    private HaproxyReload reload;
    private boolean doSocket = true;
    private List<Path> socketFilePaths = List.of();
    private List<String> sharedFrontend;
    private Long serverOrderSeed;
    private List<String> checkCommand;
    private Path candidateConfigFilePath;
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

    /**
     * A service's {@code haproxy} section. A service given none here is left out of the config (the
     * Synapse agent gives a service without a {@code haproxy} section an empty one, a backend only,
     * as Ruby Synapse does).
     */
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
        this.socketFilePaths = path == null ? List.of() : List.of(path);
        return this;
    }

    /**
     * {@code socket_file_path} as a list: every runtime command goes to each socket (one HAProxy
     * process each, as with Ruby Synapse's list for {@code nbproc}); the state is read from the
     * first. A command that fails on any socket counts as failed (and so leads to a reload).
     */
    public HaproxyOutputBuilder socketFilePaths(List<Path> paths) {
        Objects.requireNonNull(paths, "socket_file_path == null");
        for (Path p : paths) {
            Objects.requireNonNull(p, "socket_file_path entry == null");
        }
        if (new java.util.HashSet<>(paths).size() != paths.size()) {
            throw new IllegalArgumentException("socket_file_path must not name a socket twice but was " + paths);
        }
        this.socketFilePaths = List.copyOf(paths);
        return this;
    }

    /**
     * {@code shared_frontend}: the lines that open Ruby Synapse's {@code frontend shared-frontend}
     * (typically its {@code bind} and {@code mode http}); each service's
     * {@link HaproxyService.Builder#sharedFrontend} lines follow them. Default null: no shared
     * frontend, and a service's {@code shared_frontend} lines are left out (logged at WARN), as in Ruby.
     */
    public HaproxyOutputBuilder sharedFrontend(List<String> lines) {
        this.sharedFrontend = lines == null ? null : HaproxyService.Builder.lines("shared_frontend", lines);
        return this;
    }

    /**
     * {@code server_order_seed}: the seed of the shuffle of every backend whose {@code backend_order}
     * is the default, so that the order is the same on every render and every restart; default
     * null: each backend's shuffle is seeded by its service name.
     */
    public HaproxyOutputBuilder serverOrderSeed(Long seed) {
        this.serverOrderSeed = seed;
        return this;
    }

    /**
     * {@code check_command} (with {@code do_checks}): the command that validates the candidate config
     * instead of {@code haproxy -c -f <candidate>}, run as Ruby Synapse runs it (see {@link CommandLine}:
     * a plain command as argv without a shell, shell syntax through {@code /bin/sh -c}); it must name
     * the {@link #candidateConfigFilePath}. Exit 0 accepts the config; any other exit refuses it and
     * the installed config stays. Default null ({@code haproxy -c}).
     */
    public HaproxyOutputBuilder checkCommand(String command) {
        this.checkCommand = command == null ? null : CommandLine.argv(command, "check_command");
        return this;
    }

    /**
     * {@code candidate_config_file_path}: where each candidate config is written before it is
     * checked and renamed into place; a refused candidate is left there. Default null: a temporary
     * file next to {@code config_file_path}, deleted after use.
     */
    public HaproxyOutputBuilder candidateConfigFilePath(Path path) {
        this.candidateConfigFilePath = path;
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
        List<Path> sockets = doSocket ? socketFilePaths : List.of();
        if (doSocket && sockets.isEmpty()) {
            if (!managed) {
                throw new IllegalArgumentException("socket_file_path is required when do_socket is on");
            }
            sockets = List.of(sibling(configFilePath, ".sock"));
        }
        if (managed && sockets.size() > 1) {
            throw new IllegalArgumentException("manage_process runs one HAProxy, which takes one socket_file_path but was "
                    + sockets);
        }
        if (candidateConfigFilePath != null && candidateConfigFilePath.equals(configFilePath)) {
            throw new IllegalArgumentException("candidate_config_file_path must differ from config_file_path but both were "
                    + configFilePath);
        }
        if (checkCommand != null && candidateConfigFilePath == null) {
            throw new IllegalArgumentException("check_command needs candidate_config_file_path (the file it checks)");
        }
        if (sharedFrontend == null) {
            services.forEach((name, s) -> {
                if (!s.sharedFrontend().isEmpty()) {
                    log.warn("haproxy service '{}' has shared_frontend lines but the global haproxy section has no "
                            + "shared_frontend: they are left out, as in Ruby Synapse", name);
                }
            });
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
                new LinkedHashMap<>(services), configFilePath, doWrites, reload, doSocket, sockets, restartInterval,
                restartJitter, state, bindAddress, useNerveWeights, maxServerId, haproxyPath, master, pid, commandTimeout,
                drainTimeout, metrics, clock, List.copyOf(listeners), sharedFrontend, serverOrderSeed, checkCommand,
                candidateConfigFilePath));
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }
}
