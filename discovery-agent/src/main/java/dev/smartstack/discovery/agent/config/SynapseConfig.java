package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Airbnb Synapse's {@code synapse.conf.json}, key for key (see {@code SMARTSTACK-CONFIG.md}).
 * A relative path ({@code service_conf_dir}, {@code output_directory}, the haproxy file paths) is
 * resolved against the config file's directory, as on the nerve side. The file is bound by Jackson
 * onto {@link SynapseFile} (after Ruby's ERB, see {@link Erb}) and given its defaults here.
 *
 * @param services {@code services} plus those of {@code service_conf_dir}, by name, in file order
 * @param serviceConfDir {@code service_conf_dir}: default none
 * @param fileOutput {@code file_output}: default none
 * @param haproxy {@code haproxy}: the global HAProxy section; default none
 * @param zkSessionTimeout (ext) {@code zk_session_timeout} in seconds: default 10
 * @param statsd {@code statsd}: where the agent's metrics are sent as StatsD (Datadog) lines; default none
 * @param admin (ext) {@code admin}: the HTTP endpoint for metrics, status and health; default none (off)
 * @param zkSecurity (ext) {@code zk_auth} (digest authentication) and {@code zk_tls}: default none
 *     (no authentication, plain text)
 */
public record SynapseConfig(
        Map<String, Service> services,
        Optional<Path> serviceConfDir,
        Optional<FileOutputConfig> fileOutput,
        Optional<Haproxy> haproxy,
        Duration zkSessionTimeout,
        Optional<StatsdConfig> statsd,
        Optional<AdminConfig> admin,
        ZkSecurity zkSecurity) {

    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);

    /** The discovery methods that the agent binds and runs. */
    public static final List<String> METHODS = List.of("zookeeper", "zookeeper_poll", "dns", "multi", "base");
    /** Ruby's other methods, refused by name. */
    private static final Map<String, String> REFUSED_METHODS = Map.of(
            "docker", "it reads the Docker API, which this agent does not",
            "ec2tag", "it reads AWS EC2 tags, which this agent does not",
            "marathon", "it reads Marathon's API, which this agent does not",
            "zookeeper_dns", "it is Airbnb's ZooKeeper-plus-DNS hybrid, which this agent does not implement",
            "zookeeper_dns_poll", "it is Airbnb's ZooKeeper-plus-DNS hybrid, which this agent does not implement");

    /**
     * A service entry.
     *
     * @param name the key in {@code services}, or the file name in {@code service_conf_dir}
     * @param method {@code discovery.method}: required, one of {@link #METHODS}
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
     * @param discovery the rest of {@code discovery} (and {@code discovery_multi}), for the methods and
     *     keys that only some methods use
     * @param fileOutputDisabled per-service {@code file_output.disabled}: default false
     * @param loadTestConcurrency {@code load_test_concurrency}: accepted, no effect here (logged at WARN)
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
            Optional<ServiceHaproxy> haproxy,
            DiscoveryExtras discovery,
            boolean fileOutputDisabled,
            Optional<Integer> loadTestConcurrency) {

        public static final String DEFAULT_DECODE_METHOD = "nerve";
        /** {@code generator_config_path} that turns the reading off. */
        public static final String GENERATOR_CONFIG_DISABLED = "disabled";

        /** Whether the service is discovered in ZooKeeper (else it is static: {@code base}). */
        public boolean usesZooKeeper() {
            return method.equals("zookeeper") || method.equals("zookeeper_poll");
        }

        /**
         * The znode whose data may hold the service's HAProxy settings, as Ruby's zookeeper and
         * zookeeper_poll watchers read it: {@code generator_config_path}, else {@code discovery.path};
         * none with {@code generator_config_path: disabled} and for the other methods.
         */
        public Optional<String> generatorConfigZnode() {
            if (!usesZooKeeper()) {
                return Optional.empty();
            }
            Optional<String> configured = discovery.generatorConfigPath();
            if (configured.isPresent()) {
                return configured.get().equals(GENERATOR_CONFIG_DISABLED) ? Optional.empty() : configured;
            }
            return path;
        }

        /** The ZooKeeper connect string: the hosts, sorted, so equal sets share one client. */
        public String connectString() {
            return String.join(",", hosts.stream().sorted().toList());
        }
    }

    /**
     * The keys of {@code discovery} beyond the ones every method shares.
     *
     * @param retryPolicy zookeeper {@code retry_policy}: default none (the client's own policy); a key left out
     *     takes Ruby's default (10 attempts, 600 s, 0.5 s base, 60 s max)
     * @param discoveryJitter zookeeper {@code discovery_jitter}: default none
     * @param generatorConfigPath zookeeper {@code generator_config_path}: default none
     * @param pollingInterval zookeeper_poll {@code polling_interval_sec}: default 60 s
     * @param checkInterval dns {@code check_interval}: default 30 s
     * @param nameserver dns {@code nameserver}: default the system's
     * @param servers dns {@code servers}: default none
     * @param watchers multi {@code watchers} by name (with {@code discovery_multi}, {@code primary} is {@code discovery})
     * @param resolverMethod multi {@code resolver.method}: {@code union} or {@code sequential}
     * @param sequentialOrder multi {@code resolver.sequential_order}
     */
    public record DiscoveryExtras(
            Optional<RetryPolicy> retryPolicy,
            Optional<Duration> discoveryJitter,
            Optional<String> generatorConfigPath,
            Duration pollingInterval,
            Duration checkInterval,
            Optional<String> nameserver,
            List<Server> servers,
            Map<String, Service> watchers,
            Optional<String> resolverMethod,
            List<String> sequentialOrder) {

        static final DiscoveryExtras NONE = new DiscoveryExtras(Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(60), Duration.ofSeconds(30), Optional.empty(), List.of(), Map.of(), Optional.empty(),
                List.of());
    }

    /**
     * Ruby Synapse's zookeeper {@code retry_policy}, for the ZooKeeper client's retries.
     *
     * @param maxAttempts {@code max_attempts}: default 10
     * @param maxDelay {@code max_delay}: default 600 s
     * @param baseInterval {@code base_interval}: default 0.5 s
     * @param maxInterval {@code max_interval}: default 60 s
     */
    public record RetryPolicy(int maxAttempts, Duration maxDelay, Duration baseInterval, Duration maxInterval) {
        public static final RetryPolicy DEFAULT = new RetryPolicy(10, Duration.ofSeconds(600), Duration.ofMillis(500),
                Duration.ofSeconds(60));
    }

    /**
     * A {@code discovery.label_filters} entry.
     *
     * @param label {@code label}: required
     * @param value {@code value}: required, a string or another JSON scalar (compared as a string)
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
     * @param labels {@code labels}: default none; scalars, as strings
     */
    public record Server(String name, String host, int port, Map<String, String> labels) {
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
     * @param port {@code port}: default none (a backend only); see {@code bindWithoutPort}
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
     * @param bindWithoutPort an explicit {@code port: null}: a frontend bound to {@code bind_address} alone
     * @param sharedFrontend {@code shared_frontend}: lines for the global shared frontend; default none
     * @param useNerveWeights {@code use_nerve_weights} for this service: default the global one
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
            boolean disabled,
            boolean bindWithoutPort,
            List<String> sharedFrontend,
            Optional<Boolean> useNerveWeights) {

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
     * @param socketFilePaths {@code socket_file_path}, one path or a list: required when {@code do_socket}
     *     (unless {@code manage_process}); runtime commands go to every socket
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
     * @param sharedFrontend {@code shared_frontend}: the lines that open {@code frontend shared-frontend};
     *     default none (no shared frontend)
     * @param doChecks {@code do_checks}: default false; when on, {@code check_command} validates each
     *     candidate instead of {@code haproxy -c} (which runs otherwise)
     * @param checkCommand {@code check_command}: required when {@code do_checks}; run as {@code reload_command} is
     * @param candidateConfigFilePath {@code candidate_config_file_path}: where the candidate is written;
     *     required when {@code do_checks}; default a temporary file next to {@code config_file_path}
     * @param serverOrderSeed {@code server_order_seed}: the seed of the backends' shuffle; default
     *     none (each backend's shuffle is seeded by its service name)
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
            List<Path> socketFilePaths,
            Duration restartInterval,
            double restartJitter,
            Optional<Path> stateFilePath,
            Duration stateFileTtl,
            String bindAddress,
            boolean useNerveWeights,
            int maxServerId,
            String haproxyPath,
            boolean manageProcess,
            Duration drainTimeout,
            Optional<List<String>> sharedFrontend,
            boolean doChecks,
            Optional<String> checkCommand,
            Optional<Path> candidateConfigFilePath,
            Optional<Long> serverOrderSeed) {

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
     * Reads and checks a synapse config file, with ERB rendered from the process's environment.
     *
     * @throws ConfigException naming the file and the key
     */
    public static SynapseConfig load(Path file, String shownAs) {
        return load(file, shownAs, System.getenv());
    }

    /**
     * Reads and checks a synapse config file.
     *
     * @param file the file
     * @param shownAs its name in error messages
     * @param env the environment that ERB's {@code ENV} reads
     * @throws ConfigException naming the file and the key
     */
    public static SynapseConfig load(Path file, String shownAs, Map<String, String> env) {
        return SynapseLoader.load(file, shownAs, env);
    }

    static boolean isRefusedMethod(String method) {
        return REFUSED_METHODS.containsKey(method);
    }

    static String refusedReason(String method) {
        return REFUSED_METHODS.get(method);
    }
}
