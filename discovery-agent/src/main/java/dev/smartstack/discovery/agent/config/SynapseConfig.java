package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Airbnb Synapse's {@code synapse.conf.json}, key for key (see {@code SMARTSTACK-CONFIG.md}).
 * A relative path ({@code service_conf_dir}, {@code output_directory}, the haproxy file paths) is
 * resolved against the config file's directory, as on the nerve side. A non-empty {@code statsd}
 * is refused: metrics go through Micrometer.
 *
 * @param services {@code services} plus those of {@code service_conf_dir}, by name, in file order
 * @param serviceConfDir {@code service_conf_dir}: default none
 * @param fileOutput {@code file_output}: default none
 * @param haproxy {@code haproxy}: the global HAProxy section; default none
 * @param zkSessionTimeout (ext) {@code zk_session_timeout} in seconds: default 10
 */
public record SynapseConfig(
        Map<String, Service> services,
        Optional<Path> serviceConfDir,
        Optional<FileOutputConfig> fileOutput,
        Optional<Haproxy> haproxy,
        Duration zkSessionTimeout) {

    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> TOP_KEYS = Set.of("services", "service_conf_dir", "haproxy", "file_output",
            "statsd", "zk_session_timeout");
    private static final Set<String> SERVICE_KEYS = Set.of("discovery", "default_servers", "keep_default_servers",
            "use_previous_backends", "backend_port_override", "leader_election", "haproxy");
    private static final Set<String> DISCOVERY_KEYS = Set.of("method", "path", "hosts", "decode", "label_filters");
    private static final Set<String> DECODE_KEYS = Set.of("method", "endpoint_name");
    private static final Set<String> FILTER_KEYS = Set.of("label", "value", "condition");
    private static final Set<String> SERVER_KEYS = Set.of("name", "host", "port");
    private static final Set<String> FILE_OUTPUT_KEYS = Set.of("output_directory");
    private static final Set<String> SERVICE_HAPROXY_KEYS = Set.of("port", "bind_address", "bind_options",
            "server_options", "listen", "frontend", "backend", "backend_name", "backend_order", "cookie_value_method",
            "disabled");
    private static final Set<String> HAPROXY_KEYS = Set.of("global", "defaults", "extra_sections", "config_file_path",
            "do_writes", "do_reloads", "reload_command", "do_socket", "socket_file_path", "restart_interval",
            "restart_jitter", "state_file_path", "state_file_ttl", "bind_address", "use_nerve_weights",
            "max_server_id", "haproxy_path", "manage_process");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:\\[\\]*-]+");
    private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9._:-]+");

    /**
     * A service entry.
     *
     * @param name the key in {@code services}, or the file name in {@code service_conf_dir}
     * @param method {@code discovery.method}: required, {@code zookeeper} or {@code base}
     * @param path {@code discovery.path}: required for zookeeper
     * @param hosts {@code discovery.hosts}: required for zookeeper, {@code host:port} each
     * @param decodeMethod {@code discovery.decode.method}: default {@code nerve}, or {@code serverset}
     *     or (ext) {@code curator}
     * @param endpointName {@code discovery.decode.endpoint_name}: serverset only; default the service endpoint
     * @param labelFilters {@code discovery.label_filters}: default none
     * @param defaultServers {@code default_servers}: default none
     * @param keepDefaultServers {@code keep_default_servers}: default false
     * @param usePreviousBackends {@code use_previous_backends}: default true
     * @param backendPortOverride {@code backend_port_override}: default none
     * @param leaderElection {@code leader_election}: default false
     * @param haproxy the per-service {@code haproxy} section: default none
     */
    public record Service(
            String name,
            String method,
            Optional<String> path,
            List<String> hosts,
            String decodeMethod,
            Optional<String> endpointName,
            List<LabelFilterConfig> labelFilters,
            List<Server> defaultServers,
            boolean keepDefaultServers,
            boolean usePreviousBackends,
            Optional<Integer> backendPortOverride,
            boolean leaderElection,
            Optional<ServiceHaproxy> haproxy) {

        public static final String DEFAULT_DECODE_METHOD = "nerve";

        /** Whether the service is discovered in ZooKeeper (else it is static: {@code base}). */
        public boolean usesZooKeeper() {
            return method.equals("zookeeper");
        }

        /** The ZooKeeper connect string: the hosts, sorted, so equal sets share one client. */
        public String connectString() {
            return String.join(",", hosts.stream().sorted().toList());
        }
    }

    /**
     * A {@code discovery.label_filters} entry.
     *
     * @param label {@code label}: required
     * @param value {@code value}: required
     * @param condition {@code condition}: required, {@code equals} or {@code not-equals}
     */
    public record LabelFilterConfig(String label, String value, String condition) {
    }

    /**
     * A {@code default_servers} entry.
     *
     * @param name {@code name}: default {@code host:port}
     * @param host {@code host}: required
     * @param port {@code port}: required
     */
    public record Server(String name, String host, int port) {
    }

    /**
     * {@code file_output}.
     *
     * @param outputDirectory {@code output_directory}: required
     */
    public record FileOutputConfig(Path outputDirectory) {
    }

    /**
     * A service's {@code haproxy} section.
     *
     * @param port {@code port}: default none (a backend only)
     * @param bindAddress {@code bind_address}: default the global one
     * @param bindOptions {@code bind_options}: default none
     * @param serverOptions {@code server_options}: default none
     * @param listen {@code listen}: default none
     * @param frontend {@code frontend}: default none
     * @param backend {@code backend}: default none
     * @param backendName {@code backend_name}: default the service name
     * @param backendOrder {@code backend_order}: default shuffled; {@code asc}, {@code desc} or {@code no_shuffle}
     * @param cookieValueMethod {@code cookie_value_method}: default {@code name}, or {@code hash}
     * @param disabled {@code disabled}: default false
     */
    public record ServiceHaproxy(
            Optional<Integer> port,
            Optional<String> bindAddress,
            Optional<String> bindOptions,
            Optional<String> serverOptions,
            List<String> listen,
            List<String> frontend,
            List<String> backend,
            Optional<String> backendName,
            Optional<String> backendOrder,
            String cookieValueMethod,
            boolean disabled) {

        public static final String DEFAULT_COOKIE_VALUE_METHOD = "name";
    }

    /**
     * The global {@code haproxy} section.
     *
     * @param global {@code global}: required, lines
     * @param defaults {@code defaults}: required, lines
     * @param extraSections {@code extra_sections}: default none; title to lines
     * @param configFilePath {@code config_file_path}: required when {@code do_writes}
     * @param doWrites {@code do_writes}: default true
     * @param doReloads {@code do_reloads}: default true
     * @param reloadCommand {@code reload_command}: required when {@code do_reloads}, unless {@code manage_process}
     * @param doSocket {@code do_socket}: default true
     * @param socketFilePath {@code socket_file_path}: required when {@code do_socket}
     * @param restartInterval {@code restart_interval}: default 2 s
     * @param restartJitter {@code restart_jitter}: default 0, a fraction in [0, 1]
     * @param stateFilePath {@code state_file_path}: default none (the watcher's state file)
     * @param stateFileTtl {@code state_file_ttl}: default 86400 s
     * @param bindAddress {@code bind_address}: default {@code localhost}
     * @param useNerveWeights {@code use_nerve_weights}: default false
     * @param maxServerId {@code max_server_id}: default 65535
     * @param haproxyPath (ext) {@code haproxy_path}: default {@code haproxy}
     * @param manageProcess (ext) {@code manage_process}: default false
     * @param drainTimeout (ext) {@code drain_timeout}: seconds a leaving server keeps its sessions
     *     before they are shut down and it is deleted; default 60 s
     */
    public record Haproxy(
            List<String> global,
            List<String> defaults,
            Map<String, List<String>> extraSections,
            Optional<Path> configFilePath,
            boolean doWrites,
            boolean doReloads,
            Optional<String> reloadCommand,
            boolean doSocket,
            Optional<Path> socketFilePath,
            Duration restartInterval,
            double restartJitter,
            Optional<Path> stateFilePath,
            Duration stateFileTtl,
            String bindAddress,
            boolean useNerveWeights,
            int maxServerId,
            String haproxyPath,
            boolean manageProcess,
            Duration drainTimeout) {

        public static final Duration DEFAULT_RESTART_INTERVAL = Duration.ofSeconds(2);
        public static final Duration DEFAULT_STATE_FILE_TTL = Duration.ofSeconds(86_400);
        public static final String DEFAULT_BIND_ADDRESS = "localhost";
        public static final int DEFAULT_MAX_SERVER_ID = 65535;
        public static final String DEFAULT_HAPROXY_PATH = "haproxy";
        public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(60);
    }

    /** The generators this config asks for, in a fixed order: {@code file_output}, {@code haproxy}. */
    public List<String> generators() {
        List<String> g = new ArrayList<>();
        fileOutput.ifPresent(f -> g.add("file_output"));
        haproxy.ifPresent(h -> g.add("haproxy"));
        return g;
    }

    /**
     * Reads and checks a synapse config file.
     *
     * @param file the file
     * @param shownAs its name in error messages
     * @throws ConfigException naming the file and the key
     */
    public static SynapseConfig load(Path file, String shownAs) {
        ConfigNode top = ConfigNode.read(file, shownAs).allowOnly(TOP_KEYS);
        if (top.has("statsd")) {
            Optional<ConfigNode> statsd = top.optionalObject("statsd");
            if (statsd.isPresent() && !statsd.get().isEmpty()) {
                throw top.error("statsd", "not supported: this agent does not send statsd metrics (it exposes "
                        + "Micrometer metrics instead); remove the key");
            }
        }
        Optional<Path> confDir = top.optionalString("service_conf_dir").map(d -> ConfigFiles.resolve(file, d));
        Duration session = top.optionalSeconds("zk_session_timeout", DEFAULT_ZK_SESSION_TIMEOUT);
        Optional<FileOutputConfig> fileOutput = top.optionalObject("file_output").map(f -> {
            f.allowOnly(FILE_OUTPUT_KEYS);
            String dir = f.requiredString("output_directory");
            if (dir.isBlank() || Validation.hasControlCharacter(dir)) {
                throw f.error("output_directory", "expected a directory but was " + Validation.quote(dir));
            }
            return new FileOutputConfig(ConfigFiles.resolve(file, dir));
        });
        Optional<Haproxy> haproxy = top.optionalObject("haproxy").map(h -> haproxy(file, h));
        if (fileOutput.isEmpty() && haproxy.isEmpty()) {
            throw top.error("at least one generator is required: add \"file_output\" or \"haproxy\"");
        }

        Map<String, Service> services = new LinkedHashMap<>();
        top.requiredObjectMap("services").forEach((name, node) -> services.put(name, service(name, node)));
        if (confDir.isPresent()) {
            for (Path f : ConfigFiles.serviceConfFiles(top, confDir.get())) {
                String fileName = f.getFileName().toString();
                String name = fileName.substring(0, fileName.lastIndexOf('.'));
                Service s = service(name, ConfigNode.read(f, f.toString()));
                if (services.putIfAbsent(name, s) != null) {
                    throw new ConfigException(f.toString(), "", "service " + Validation.quote(name)
                            + " is also defined in " + shownAs);
                }
            }
        }
        if (haproxy.isPresent()) {
            Map<String, String> backends = new LinkedHashMap<>();
            for (Service s : services.values()) {
                if (s.haproxy().isPresent()) {
                    String be = s.haproxy().get().backendName().orElse(s.name());
                    String other = backends.putIfAbsent(be, s.name());
                    if (other != null) {
                        throw new ConfigException(shownAs, "services." + s.name() + ".haproxy.backend_name",
                                "backend " + Validation.quote(be) + " is also used by service " + Validation.quote(other));
                    }
                }
            }
        }
        return new SynapseConfig(Collections.unmodifiableMap(services), confDir, fileOutput, haproxy, session);
    }

    private static Service service(String name, ConfigNode s) {
        if (!Validation.isValidName(name)) {
            throw s.error("expected a service name of 1 to " + Validation.MAX_NAME_LENGTH
                    + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
        }
        s.allowOnly(SERVICE_KEYS);
        ConfigNode d = s.requiredObject("discovery").allowOnly(DISCOVERY_KEYS);
        String method = d.requiredString("method");
        if (!method.equals("zookeeper") && !method.equals("base")) {
            throw d.error("method", "expected \"zookeeper\" or \"base\" but was " + Validation.quote(method));
        }
        boolean zk = method.equals("zookeeper");
        Optional<String> path = Optional.empty();
        List<String> hosts = List.of();
        if (zk) {
            String p = d.requiredString("path");
            if (!p.startsWith("/") || (p.length() > 1 && p.endsWith("/")) || p.contains("//")
                    || Validation.hasControlCharacter(p)) {
                throw d.error("path", "expected an absolute ZooKeeper path such as /nerve/services/web but was "
                        + Validation.quote(p));
            }
            path = Optional.of(p);
            hosts = d.requiredHostPortList("hosts");
        } else {
            for (String key : List.of("path", "hosts", "decode", "label_filters")) {
                if (d.has(key)) {
                    throw d.error(key, "only applies to method \"zookeeper\", but this service's method is \"base\"");
                }
            }
        }
        String decodeMethod = Service.DEFAULT_DECODE_METHOD;
        Optional<String> endpointName = Optional.empty();
        Optional<ConfigNode> decode = d.optionalObject("decode");
        if (decode.isPresent()) {
            ConfigNode dec = decode.get().allowOnly(DECODE_KEYS);
            decodeMethod = dec.optionalString("method").orElse(Service.DEFAULT_DECODE_METHOD);
            if (!List.of("nerve", "serverset", "curator").contains(decodeMethod)) {
                throw dec.error("method", "expected \"nerve\", \"serverset\" or \"curator\" but was "
                        + Validation.quote(decodeMethod));
            }
            endpointName = dec.optionalString("endpoint_name");
            if (endpointName.isPresent() && !decodeMethod.equals("serverset")) {
                throw dec.error("endpoint_name", "only applies to decode method \"serverset\", but this one is "
                        + Validation.quote(decodeMethod));
            }
        }
        List<LabelFilterConfig> filters = new ArrayList<>();
        for (ConfigNode f : d.optionalObjectList("label_filters")) {
            f.allowOnly(FILTER_KEYS);
            String label = f.requiredString("label");
            String value = f.requiredString("value");
            String condition = f.requiredString("condition");
            if (!condition.equals("equals") && !condition.equals("not-equals")) {
                throw f.error("condition", "expected \"equals\" or \"not-equals\" but was " + Validation.quote(condition));
            }
            filters.add(new LabelFilterConfig(label, value, condition));
        }
        List<Server> defaults = new ArrayList<>();
        Set<String> defaultNames = new LinkedHashSet<>();
        for (ConfigNode srv : s.optionalObjectList("default_servers")) {
            srv.allowOnly(SERVER_KEYS);
            String host = srv.requiredString("host");
            if (!Validation.isValidHost(host)) {
                throw srv.error("host", "expected a DNS name or an IP address but was " + Validation.quote(host));
            }
            int port = srv.requiredInt("port", 1, 65535);
            String serverName = srv.optionalString("name").orElse(host + ":" + port);
            if (!Validation.isValidName(serverName)) {
                throw srv.error("name", "expected 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(serverName));
            }
            if (!defaultNames.add(serverName)) {
                throw srv.error("name", "another default server is also named " + Validation.quote(serverName));
            }
            defaults.add(new Server(serverName, host, port));
        }
        boolean keepDefaults = s.optionalBoolean("keep_default_servers", false);
        boolean usePrevious = s.optionalBoolean("use_previous_backends", true);
        Optional<Integer> portOverride = s.optionalInt("backend_port_override", 1, 65535);
        boolean leader = s.optionalBoolean("leader_election", false);
        Optional<ServiceHaproxy> haproxy = s.optionalObject("haproxy").map(SynapseConfig::serviceHaproxy);
        return new Service(name, method, path, List.copyOf(hosts), decodeMethod, endpointName, List.copyOf(filters),
                List.copyOf(defaults), keepDefaults, usePrevious, portOverride, leader, haproxy);
    }

    private static ServiceHaproxy serviceHaproxy(ConfigNode h) {
        h.allowOnly(SERVICE_HAPROXY_KEYS);
        Optional<Integer> port = h.optionalInt("port", 1, 65535);
        Optional<String> bindAddress = h.optionalString("bind_address").map(v -> token(h, "bind_address", v));
        Optional<String> bindOptions = h.optionalString("bind_options").map(v -> oneLine(h, "bind_options", v));
        Optional<String> serverOptions = h.optionalString("server_options").map(v -> oneLine(h, "server_options", v));
        if (serverOptions.isPresent() && serverOptions.get().indexOf('#') >= 0) {
            throw h.error("server_options", "must not contain '#' but was " + Validation.quote(serverOptions.get()));
        }
        List<String> listen = lines(h, "listen");
        List<String> frontend = lines(h, "frontend");
        List<String> backend = lines(h, "backend");
        Optional<String> backendName = h.optionalString("backend_name");
        if (backendName.isPresent() && !BACKEND_NAME.matcher(backendName.get()).matches()) {
            throw h.error("backend_name", "expected one token of [A-Za-z0-9._:-] but was "
                    + Validation.quote(backendName.get()));
        }
        Optional<String> order = h.optionalString("backend_order");
        if (order.isPresent() && !List.of("asc", "desc", "no_shuffle").contains(order.get())) {
            throw h.error("backend_order", "expected \"asc\", \"desc\" or \"no_shuffle\" but was "
                    + Validation.quote(order.get()));
        }
        String cookie = h.optionalString("cookie_value_method").orElse(ServiceHaproxy.DEFAULT_COOKIE_VALUE_METHOD);
        if (!cookie.equals("name") && !cookie.equals("hash")) {
            throw h.error("cookie_value_method", "expected \"name\" or \"hash\" but was " + Validation.quote(cookie));
        }
        boolean disabled = h.optionalBoolean("disabled", false);
        return new ServiceHaproxy(port, bindAddress, bindOptions, serverOptions, listen, frontend, backend, backendName,
                order, cookie, disabled);
    }

    private static Haproxy haproxy(Path file, ConfigNode h) {
        h.allowOnly(HAPROXY_KEYS);
        if (!h.has("global")) {
            throw h.error("global", "required key is missing");
        }
        List<String> global = lines(h, "global");
        if (!h.has("defaults")) {
            throw h.error("defaults", "required key is missing");
        }
        List<String> defaults = lines(h, "defaults");
        Map<String, List<String>> extra = new LinkedHashMap<>();
        Optional<ConfigNode> sections = h.optionalObject("extra_sections");
        if (sections.isPresent()) {
            ConfigNode x = sections.get();
            for (String title : x.keys()) {
                if (title.isBlank() || Validation.hasControlCharacter(title)) {
                    throw x.error(title, "expected a section title such as \"listen stats\" but was "
                            + Validation.quote(title));
                }
                extra.put(title, lines(x, title));
            }
        }
        boolean doWrites = h.optionalBoolean("do_writes", true);
        boolean doReloads = h.optionalBoolean("do_reloads", true);
        boolean doSocket = h.optionalBoolean("do_socket", true);
        boolean manage = h.optionalBoolean("manage_process", false);
        Optional<Path> configFile = h.optionalString("config_file_path").map(v -> path(file, h, "config_file_path", v));
        if (doWrites && configFile.isEmpty()) {
            throw h.error("config_file_path", "required key is missing (do_writes is on)");
        }
        if (manage && !doWrites) {
            throw h.error("manage_process", "needs do_writes on (the agent runs HAProxy from the file it writes)");
        }
        Optional<String> reload = h.optionalString("reload_command").map(v -> oneLine(h, "reload_command", v));
        if (reload.isPresent() && reload.get().isBlank()) {
            throw h.error("reload_command", "expected a command but was " + Validation.quote(reload.get()));
        }
        if (doReloads && !manage && reload.isEmpty()) {
            throw h.error("reload_command", "required key is missing (do_reloads is on and manage_process is off)");
        }
        Optional<Path> socket = h.optionalString("socket_file_path").map(v -> path(file, h, "socket_file_path", v));
        if (doSocket && socket.isEmpty() && !manage) {
            throw h.error("socket_file_path", "required key is missing (do_socket is on)");
        }
        Duration interval = h.optionalSeconds("restart_interval", Haproxy.DEFAULT_RESTART_INTERVAL, true, 86_400);
        double jitter = h.optionalNumberIn("restart_jitter", 0, 1, 0);
        Optional<Path> stateFile = h.optionalString("state_file_path").map(v -> path(file, h, "state_file_path", v));
        Duration ttl = h.optionalSeconds("state_file_ttl", Haproxy.DEFAULT_STATE_FILE_TTL, false, 365L * 86_400);
        String bindAddress = h.optionalString("bind_address").map(v -> token(h, "bind_address", v))
                .orElse(Haproxy.DEFAULT_BIND_ADDRESS);
        boolean weights = h.optionalBoolean("use_nerve_weights", false);
        int maxServerId = h.optionalInt("max_server_id", 1, Integer.MAX_VALUE, Haproxy.DEFAULT_MAX_SERVER_ID);
        String haproxyPath = h.optionalString("haproxy_path").map(v -> oneLine(h, "haproxy_path", v))
                .orElse(Haproxy.DEFAULT_HAPROXY_PATH);
        if (haproxyPath.isBlank()) {
            throw h.error("haproxy_path", "expected a program but was " + Validation.quote(haproxyPath));
        }
        Duration drain = h.optionalSeconds("drain_timeout", Haproxy.DEFAULT_DRAIN_TIMEOUT, true, 86_400);
        return new Haproxy(global, defaults, Collections.unmodifiableMap(extra), configFile, doWrites, doReloads, reload,
                doSocket, socket, interval, jitter, stateFile, ttl, bindAddress, weights, maxServerId, haproxyPath, manage,
                drain);
    }

    private static List<String> lines(ConfigNode node, String key) {
        List<String> lines = node.optionalStringList(key);
        for (int i = 0; i < lines.size(); i++) {
            if (Validation.hasControlCharacter(lines.get(i))) {
                throw node.error(key + "[" + i + "]", "expected a single line of HAProxy config but was "
                        + Validation.quote(lines.get(i)));
            }
        }
        return lines;
    }

    private static String oneLine(ConfigNode node, String key, String value) {
        if (Validation.hasControlCharacter(value)) {
            throw node.error(key, "expected a single line but was " + Validation.quote(value));
        }
        return value;
    }

    private static String token(ConfigNode node, String key, String value) {
        if (!TOKEN.matcher(value).matches()) {
            throw node.error(key, "expected one token of [A-Za-z0-9._:[]*-] but was " + Validation.quote(value));
        }
        return value;
    }

    private static Path path(Path file, ConfigNode node, String key, String value) {
        if (value.isBlank() || Validation.hasControlCharacter(value)) {
            throw node.error(key, "expected a file path but was " + Validation.quote(value));
        }
        return ConfigFiles.resolve(file, value);
    }
}
