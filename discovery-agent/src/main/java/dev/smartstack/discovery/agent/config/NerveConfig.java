package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.nerve.HealthChecks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Airbnb Nerve's {@code nerve.conf.json}, key for key (see {@code docs/configuration.md}), as the
 * agent uses it: bound by Jackson onto {@link NerveFile}, then given its defaults here.
 *
 * @param instanceId {@code instance_id}: required unless given with {@code -i} or {@code NERVE_INSTANCE_ID}
 * @param services {@code services} plus those of {@code service_conf_dir}, by name, in file order
 * @param serviceConfDir {@code service_conf_dir}: default none
 * @param heartbeatPath {@code heartbeat_path}: default none
 * @param maxRepeatedReportFailures {@code max_repeated_report_failures}: default 10
 * @param zkSessionTimeout (ext) {@code zk_session_timeout} in seconds: default 10
 * @param statsd {@code statsd}: where the agent's metrics are sent as StatsD (Datadog) lines; default none
 * @param prometheus Yelp's {@code prometheus}, when {@code enabled}: where Yelp's nerve would serve
 *     {@code /metrics} ({@code bind} default 0.0.0.0, {@code port} default 9292); becomes {@code admin}
 *     when that is not set. Its {@code histogram_buckets_*} keys are accepted and ignored.
 * @param admin (ext) {@code admin}: the HTTP endpoint for metrics, status and health; default none
 *     (off), or Yelp's {@code prometheus} when enabled
 * @param zkSecurity (ext) {@code zk_auth} and {@code zk_tls}: digest authentication, the ACL of the
 *     nodes registered, TLS; default none (Ruby's: no authentication, the open ACL, plain text)
 */
public record NerveConfig(
        String instanceId,
        Map<String, Service> services,
        Optional<Path> serviceConfDir,
        Optional<Path> heartbeatPath,
        int maxRepeatedReportFailures,
        Duration zkSessionTimeout,
        Optional<StatsdConfig> statsd,
        Optional<AdminConfig> prometheus,
        Optional<AdminConfig> admin,
        ZkSecurity zkSecurity) {

    public static final int DEFAULT_MAX_REPEATED_REPORT_FAILURES = 10;
    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);

    /** The check types that run here; {@code command} is ours. */
    public static final List<String> CHECK_TYPES = List.of("http", "tcp", "redis", "rabbitmq", "noop", "command");

    /**
     * A service entry.
     *
     * @param name the key in {@code services}, or the file name in {@code service_conf_dir}
     * @param host {@code host}: required
     * @param port {@code port}: required, 1 to 65535
     * @param reporterType {@code reporter_type}: default {@code zookeeper}, the only one supported
     * @param zkHosts {@code zk_hosts}: required, {@code host:port} each
     * @param zkPath {@code zk_path}: required
     * @param checkInterval {@code check_interval}: default 0.5 s
     * @param checks {@code checks}: default none
     * @param weight {@code weight}: default none
     * @param haproxyServerOptions {@code haproxy_server_options}: default none
     * @param labels {@code labels}: default none
     * @param nodeType {@code node_type}: default {@code ephemeral_sequential}, or {@code ephemeral},
     *     {@code persistent_sequential}, {@code persistent}
     * @param checkMocked {@code check_mocked}: default false
     * @param rateLimiting {@code rate_limiting}: default off
     * @param ttlSeconds {@code ttl_seconds}: default none; persistent node types only
     * @param loadTestConcurrency {@code load_test_concurrency}: default none; accepted, no effect here
     * @param usePathEncoding {@code use_path_encoding}: default false; when true the znode is named
     *     {@code base64_<L>_<B64>_} after its data, as Ruby Nerve does
     */
    public record Service(
            String name,
            String host,
            int port,
            String reporterType,
            List<String> zkHosts,
            String zkPath,
            Duration checkInterval,
            List<Check> checks,
            Optional<Integer> weight,
            Optional<String> haproxyServerOptions,
            Map<String, String> labels,
            String nodeType,
            boolean checkMocked,
            Optional<RateLimiting> rateLimiting,
            Optional<Integer> ttlSeconds,
            Optional<Integer> loadTestConcurrency,
            boolean usePathEncoding) {

        public static final String DEFAULT_REPORTER_TYPE = "zookeeper";
        public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(500);
        public static final String DEFAULT_NODE_TYPE = "ephemeral_sequential";

        /** The ZooKeeper connect string: the hosts, sorted, so equal sets share one client. */
        public String connectString() {
            return String.join(",", zkHosts.stream().sorted().toList());
        }
    }

    /**
     * A check entry.
     *
     * @param type {@code type}: required, one of {@link #CHECK_TYPES}
     * @param name {@code name}: default {@code <service> <type>}
     * @param host {@code host}: default the service's host
     * @param port {@code port}: default the service's port
     * @param timeout {@code timeout}: default 0.1 s
     * @param rise {@code rise}: default 1
     * @param fall {@code fall}: default 1
     * @param uri {@code uri}: required for http
     * @param ssl {@code ssl}: default false
     * @param headers {@code headers}: default none
     * @param expect {@code expect}: default none
     * @param command (ext) {@code command}: required for command, the argv (no shell)
     * @param openTimeout {@code open_timeout}: http, the connect timeout; default 0.2 s as in Ruby
     * @param readTimeout {@code read_timeout}: http, the response timeout; default {@code timeout}
     * @param sslTimeout {@code ssl_timeout}: http with ssl; default 0.2 s, accepted (the JDK's
     *     client has no separate handshake timeout: {@code open_timeout} and {@code read_timeout} bound it)
     * @param username {@code username}: rabbitmq, default {@code guest}
     * @param password {@code password}: rabbitmq, default {@code guest}; never shown by {@code toString}
     */
    public record Check(
            String type,
            String name,
            String host,
            int port,
            Duration timeout,
            int rise,
            int fall,
            Optional<String> uri,
            boolean ssl,
            Map<String, String> headers,
            Optional<String> expect,
            List<String> command,
            Duration openTimeout,
            Duration readTimeout,
            Duration sslTimeout,
            String username,
            Secret password) {

        public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
        public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofMillis(200);
        public static final Duration DEFAULT_SSL_TIMEOUT = Duration.ofMillis(200);
        public static final int DEFAULT_RISE = 1;
        public static final int DEFAULT_FALL = 1;
        public static final String DEFAULT_RABBITMQ_USER = "guest";
    }

    /**
     * {@code rate_limiting}: a token bucket on status transitions.
     *
     * @param shadowMode {@code shadow_mode}: default false (when true, only log)
     * @param averageRate {@code average_rate}: required, tokens per second
     * @param maxBurst {@code max_burst}: required, the bucket's size
     */
    public record RateLimiting(boolean shadowMode, double averageRate, int maxBurst) {
    }

    /**
     * Reads and checks a nerve config file, with {@code password_env} read from the process's environment.
     *
     * @param file the file
     * @param shownAs its name in error messages
     * @param instanceIdOverride from {@code -i} or {@code NERVE_INSTANCE_ID}, or null
     * @throws ConfigException naming the file and the key
     */
    public static NerveConfig load(Path file, String shownAs, String instanceIdOverride) {
        return load(file, shownAs, instanceIdOverride, System.getenv());
    }

    /**
     * Reads and checks a nerve config file.
     *
     * @param file the file
     * @param shownAs its name in error messages
     * @param instanceIdOverride from {@code -i} or {@code NERVE_INSTANCE_ID}, or null
     * @param env the environment that {@code password_env} keys read
     * @throws ConfigException naming the file and the key
     */
    public static NerveConfig load(Path file, String shownAs, String instanceIdOverride, Map<String, String> env) {
        NerveFile top = ConfigBinder.bind(ConfigBinder.readTree(file, shownAs, null), NerveFile.class, shownAs, "");
        String instanceId;
        if (instanceIdOverride != null) {
            instanceId = instanceIdOverride;
            if (!Validation.isValidName(instanceId)) {
                throw new ConfigException(shownAs, "instance_id", "the -i/NERVE_INSTANCE_ID value must be 1 to "
                        + Validation.MAX_NAME_LENGTH + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(instanceId));
            }
        } else {
            instanceId = top.instanceId();
            if (instanceId == null) {
                throw new ConfigException(shownAs, "instance_id", "required key is missing");
            }
            if (!Validation.isValidName(instanceId)) {
                throw new ConfigException(shownAs, "instance_id", "expected 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(instanceId));
            }
        }
        Optional<Path> confDir = Optional.ofNullable(top.serviceConfDir()).map(d -> ConfigFiles.resolve(file, d));
        Map<String, Service> services = ConfigFiles.services(shownAs, top.services(), confDir,
                NerveFile.Service.class, null, NerveConfig::service);
        return new NerveConfig(instanceId, Collections.unmodifiableMap(services), confDir,
                Optional.ofNullable(top.heartbeatPath()).map(Path::of),
                or(top.maxRepeatedReportFailures(), DEFAULT_MAX_REPEATED_REPORT_FAILURES),
                ConfigFiles.seconds(top.zkSessionTimeout(), DEFAULT_ZK_SESSION_TIMEOUT),
                Optional.ofNullable(top.statsd()).map(s -> StatsdConfig.of(s.host(), s.port())),
                Optional.ofNullable(top.prometheus()).flatMap(NerveFile.Prometheus::admin),
                Optional.ofNullable(top.admin()).map(SynapseFile.Admin::config)
                        .or(() -> Optional.ofNullable(top.prometheus()).flatMap(NerveFile.Prometheus::admin)),
                ZkSecurityLoader.load(shownAs, file, top.zkAuth(), top.zkTls(), env, true));
    }

    private static <T> T or(T value, T defaultValue) {
        return value == null ? defaultValue : value;
    }

    private static Service service(String file, String path, String name, NerveFile.Service s) {
        if (!Validation.isValidName(name)) {
            throw new ConfigException(file, path, "expected a service name of 1 to " + Validation.MAX_NAME_LENGTH
                    + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
        }
        String reporterType = or(s.reporterType(), Service.DEFAULT_REPORTER_TYPE);
        if (reporterType.equals("etcd")) {
            throw new ConfigException(file, RecordRules.join(path, "reporter_type"), "\"etcd\" is not supported: this "
                    + "agent registers in ZooKeeper only (use \"zookeeper\" with zk_hosts and zk_path)");
        }
        if (!reporterType.equals("zookeeper")) {
            throw new ConfigException(file, RecordRules.join(path, "reporter_type"),
                    "only \"zookeeper\" is supported but was " + Validation.quote(reporterType));
        }
        for (String key : List.of("etcd_host", "etcd_port", "etcd_path")) {
            if (key.equals("etcd_host") && s.etcdHost() != null || key.equals("etcd_port") && s.etcdPort() != null
                    || key.equals("etcd_path") && s.etcdPath() != null) {
                throw new ConfigException(file, RecordRules.join(path, key),
                        "only applies to reporter_type \"etcd\", which is not supported here");
            }
        }
        if (s.zkHosts() == null) {
            throw new ConfigException(file, RecordRules.join(path, "zk_hosts"), "required key is missing");
        }
        if (s.zkPath() == null) {
            throw new ConfigException(file, RecordRules.join(path, "zk_path"), "required key is missing");
        }
        if (s.haproxyServerOptions() != null) {
            try {
                Validation.requireValidServerOptions(s.haproxyServerOptions());
            } catch (InvalidInstanceException e) {
                throw new ConfigException(file, RecordRules.join(path, "haproxy_server_options"), e.getMessage());
            }
        }
        Map<String, String> labels = or(s.labels(), Map.of());
        try {
            Validation.requireValidLabels(labels);
        } catch (InvalidInstanceException e) {
            throw new ConfigException(file, RecordRules.join(path, e.field()), e.getMessage());
        }
        String nodeType = or(s.nodeType(), Service.DEFAULT_NODE_TYPE);
        Optional<RateLimiting> rate = Optional.ofNullable(s.rateLimiting())
                .map(r -> new RateLimiting(or(r.shadowMode(), false), r.averageRate(), r.maxBurst()));
        List<Check> checks = new ArrayList<>();
        List<NerveFile.Check> entries = or(s.checks(), List.of());
        for (int i = 0; i < entries.size(); i++) {
            checks.add(check(file, RecordRules.join(path, "checks") + "[" + i + "]", name, s, entries.get(i)));
        }
        return new Service(name, s.host(), s.port(), reporterType, List.copyOf(s.zkHosts()), s.zkPath(),
                ConfigFiles.seconds(s.checkInterval(), Service.DEFAULT_CHECK_INTERVAL), List.copyOf(checks),
                Optional.ofNullable(s.weight()), Optional.ofNullable(s.haproxyServerOptions()), labels, nodeType,
                or(s.checkMocked(), false), rate, Optional.ofNullable(s.ttlSeconds()),
                Optional.ofNullable(s.loadTestConcurrency()), or(s.usePathEncoding(), false));
    }

    private static Check check(String file, String path, String service, NerveFile.Service s, NerveFile.Check c) {
        String type = c.type();
        if (c.module() != null) {
            throw new ConfigException(file, RecordRules.join(path, "module"), "Ruby check gems cannot run here: use a "
                    + "\"command\" check (type \"command\", command: [program, args...]) that exits 0 when healthy");
        }
        if (!CHECK_TYPES.contains(type)) {
            throw new ConfigException(file, RecordRules.join(path, "type"), "expected "
                    + RecordRules.alternatives(CHECK_TYPES.toArray(String[]::new)) + " but was " + Validation.quote(type)
                    + " (for a Ruby nerve-watcher gem's type, use a \"command\" check)");
        }
        if (type.equals("http") && c.uri() == null) {
            throw new ConfigException(file, RecordRules.join(path, "uri"), "required key is missing (an http check needs it)");
        }
        if (c.uri() != null) {
            try {
                HealthChecks.requireValidUri(c.uri()); // the check's own rule
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, RecordRules.join(path, "uri"), e.getMessage());
            }
        }
        if (type.equals("command") && c.command() == null) {
            throw new ConfigException(file, RecordRules.join(path, "command"),
                    "required key is missing (a command check needs it)");
        }
        onlyFor(file, path, type, "http", "uri", c.uri(), "ssl", c.ssl(), "headers", c.headers(), "expect", c.expect(),
                "open_timeout", c.openTimeout(), "read_timeout", c.readTimeout(), "ssl_timeout", c.sslTimeout());
        onlyFor(file, path, type, "command", "command", c.command());
        onlyFor(file, path, type, "rabbitmq", "username", c.username(), "password", c.password());
        Duration timeout = ConfigFiles.seconds(c.timeout(), Check.DEFAULT_TIMEOUT);
        return new Check(type, or(c.name(), service + " " + type), or(c.host(), s.host()), or(c.port(), s.port()),
                timeout, or(c.rise(), Check.DEFAULT_RISE), or(c.fall(), Check.DEFAULT_FALL),
                Optional.ofNullable(c.uri()), or(c.ssl(), false), or(c.headers(), Map.of()), Optional.ofNullable(c.expect()),
                List.copyOf(or(c.command(), List.of())),
                ConfigFiles.seconds(c.openTimeout(), Check.DEFAULT_OPEN_TIMEOUT),
                ConfigFiles.seconds(c.readTimeout(), timeout),
                ConfigFiles.seconds(c.sslTimeout(), Check.DEFAULT_SSL_TIMEOUT),
                or(c.username(), Check.DEFAULT_RABBITMQ_USER), new Secret(or(c.password(), Check.DEFAULT_RABBITMQ_USER)));
    }

    /** Refuses the keys (key, value pairs) that only apply to checks of type {@code owner}. */
    private static void onlyFor(String file, String path, String type, String owner, Object... keysAndValues) {
        if (type.equals(owner)) {
            return;
        }
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                throw new ConfigException(file, RecordRules.join(path, (String) keysAndValues[i]), "only applies to "
                        + owner + " checks, but this check's type is " + Validation.quote(type));
            }
        }
    }
}
