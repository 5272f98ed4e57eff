package dev.smartstack.discovery.agent.config;

import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Airbnb Nerve's {@code nerve.conf.json}, key for key (see {@code SMARTSTACK-CONFIG.md}).
 *
 * @param instanceId {@code instance_id}: required unless given with {@code -i} or {@code NERVE_INSTANCE_ID}
 * @param services {@code services} plus those of {@code service_conf_dir}, by name, in file order
 * @param serviceConfDir {@code service_conf_dir}: default none
 * @param heartbeatPath {@code heartbeat_path}: default none
 * @param maxRepeatedReportFailures {@code max_repeated_report_failures}: default 10
 * @param zkSessionTimeout (ext) {@code zk_session_timeout} in seconds: default 10
 */
public record NerveConfig(
        String instanceId,
        Map<String, Service> services,
        Optional<Path> serviceConfDir,
        Optional<Path> heartbeatPath,
        int maxRepeatedReportFailures,
        Duration zkSessionTimeout) {

    public static final int DEFAULT_MAX_REPEATED_REPORT_FAILURES = 10;
    public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> TOP_KEYS = Set.of("instance_id", "services", "service_conf_dir",
            "heartbeat_path", "max_repeated_report_failures", "zk_session_timeout");
    private static final Set<String> SERVICE_KEYS = Set.of("host", "port", "reporter_type", "zk_hosts", "zk_path",
            "check_interval", "checks", "weight", "haproxy_server_options", "labels", "node_type", "check_mocked",
            "rate_limiting", "use_path_encoding");
    private static final Set<String> CHECK_KEYS = Set.of("type", "name", "host", "port", "timeout", "rise", "fall",
            "uri", "ssl", "headers", "expect", "command");
    private static final Set<String> RATE_KEYS = Set.of("shadow_mode", "average_rate", "max_burst");

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
     * @param nodeType {@code node_type}: default {@code ephemeral_sequential}, or {@code ephemeral}
     * @param checkMocked {@code check_mocked}: default false
     * @param rateLimiting {@code rate_limiting}: default off
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
     * @param type {@code type}: required, {@code http}, {@code tcp} or (ext) {@code command}
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
            List<String> command) {

        public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
        public static final int DEFAULT_RISE = 1;
        public static final int DEFAULT_FALL = 1;
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
     * Reads and checks a nerve config file.
     *
     * @param file the file
     * @param shownAs its name in error messages
     * @param instanceIdOverride from {@code -i} or {@code NERVE_INSTANCE_ID}, or null
     * @throws ConfigException naming the file and the key
     */
    public static NerveConfig load(Path file, String shownAs, String instanceIdOverride) {
        ConfigNode top = ConfigNode.read(file, shownAs).allowOnly(TOP_KEYS);
        String instanceId;
        if (instanceIdOverride != null) {
            instanceId = instanceIdOverride;
            if (!Validation.isValidName(instanceId)) {
                throw new ConfigException(shownAs, "instance_id", "the -i/NERVE_INSTANCE_ID value must be 1 to "
                        + Validation.MAX_NAME_LENGTH + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(instanceId));
            }
            if (top.has("instance_id")) {
                top.requiredString("instance_id");
            }
        } else {
            instanceId = top.requiredString("instance_id");
            if (!Validation.isValidName(instanceId)) {
                throw top.error("instance_id", "expected 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(instanceId));
            }
        }
        Optional<Path> confDir = top.optionalString("service_conf_dir").map(d -> ConfigFiles.resolve(file, d));
        Optional<Path> heartbeat = top.optionalString("heartbeat_path").map(Path::of);
        int maxFailures = top.optionalInt("max_repeated_report_failures", 1, Integer.MAX_VALUE,
                DEFAULT_MAX_REPEATED_REPORT_FAILURES);
        Duration session = top.optionalSeconds("zk_session_timeout", DEFAULT_ZK_SESSION_TIMEOUT);

        Map<String, Service> services = new LinkedHashMap<>();
        top.requiredObjectMap("services").forEach((name, node) -> services.put(name, service(name, node)));
        if (confDir.isPresent()) {
            for (Path f : ConfigFiles.serviceConfFiles(top, confDir.get())) {
                String fileName = f.getFileName().toString();
                String name = fileName.substring(0, fileName.lastIndexOf('.'));
                ConfigNode node = ConfigNode.read(f, f.toString());
                Service s = service(name, node);
                if (services.putIfAbsent(name, s) != null) {
                    throw new ConfigException(f.toString(), "", "service " + Validation.quote(name)
                            + " is also defined in " + shownAs);
                }
            }
        }
        return new NerveConfig(instanceId, java.util.Collections.unmodifiableMap(services), confDir, heartbeat, maxFailures, session);
    }

    private static Service service(String name, ConfigNode s) {
        if (!Validation.isValidName(name)) {
            throw s.error("expected a service name of 1 to " + Validation.MAX_NAME_LENGTH
                    + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
        }
        s.allowOnly(SERVICE_KEYS);
        String host = s.requiredString("host");
        if (!Validation.isValidHost(host)) {
            throw s.error("host", "expected a DNS name or an IP address but was " + Validation.quote(host));
        }
        int port = s.requiredInt("port", 1, 65535);
        String reporterType = s.optionalString("reporter_type").orElse(Service.DEFAULT_REPORTER_TYPE);
        if (!reporterType.equals("zookeeper")) {
            throw s.error("reporter_type", "only \"zookeeper\" is supported but was " + Validation.quote(reporterType));
        }
        List<String> zkHosts = s.requiredHostPortList("zk_hosts");
        String zkPath = s.requiredString("zk_path");
        if (!zkPath.startsWith("/") || (zkPath.length() > 1 && zkPath.endsWith("/")) || zkPath.contains("//")
                || Validation.hasControlCharacter(zkPath)) {
            throw s.error("zk_path", "expected an absolute ZooKeeper path such as /nerve/services/web but was "
                    + Validation.quote(zkPath));
        }
        Duration interval = s.optionalSeconds("check_interval", Service.DEFAULT_CHECK_INTERVAL);
        Optional<Integer> weight = s.optionalInt("weight", 0, Validation.MAX_WEIGHT);
        Optional<String> options = s.optionalString("haproxy_server_options");
        if (options.isPresent()) {
            try {
                Validation.requireValidServerOptions(options.get());
            } catch (InvalidInstanceException e) {
                throw s.error("haproxy_server_options", e.getMessage());
            }
        }
        Map<String, String> labels = s.optionalStringMap("labels");
        try {
            Validation.requireValidLabels(labels);
        } catch (InvalidInstanceException e) {
            throw s.error(e.field(), e.getMessage());
        }
        String nodeType = s.optionalString("node_type").orElse(Service.DEFAULT_NODE_TYPE);
        if (!nodeType.equals("ephemeral_sequential") && !nodeType.equals("ephemeral")) {
            throw s.error("node_type", "expected \"ephemeral_sequential\" or \"ephemeral\" but was " + Validation.quote(nodeType));
        }
        boolean mocked = s.optionalBoolean("check_mocked", false);
        Optional<RateLimiting> rate = s.optionalObject("rate_limiting").map(r -> {
            r.allowOnly(RATE_KEYS);
            return new RateLimiting(r.optionalBoolean("shadow_mode", false),
                    requiredPositive(r, "average_rate"), r.requiredInt("max_burst", 1, Integer.MAX_VALUE));
        });
        boolean pathEncoding = s.optionalBoolean("use_path_encoding", false);
        List<Check> checks = new ArrayList<>();
        for (ConfigNode c : s.optionalObjectList("checks")) {
            checks.add(check(name, host, port, c));
        }
        return new Service(name, host, port, reporterType, List.copyOf(zkHosts), zkPath, interval, List.copyOf(checks),
                weight, options, labels, nodeType, mocked, rate, pathEncoding);
    }

    private static double requiredPositive(ConfigNode r, String key) {
        if (!r.has(key)) {
            throw r.error(key, "required key is missing");
        }
        return r.optionalNumber(key, 0, 0);
    }

    private static Check check(String service, String serviceHost, int servicePort, ConfigNode c) {
        c.allowOnly(CHECK_KEYS);
        String type = c.requiredString("type");
        if (!type.equals("http") && !type.equals("tcp") && !type.equals("command")) {
            throw c.error("type", "expected \"http\", \"tcp\" or \"command\" but was " + Validation.quote(type));
        }
        String name = c.optionalString("name").orElse(service + " " + type);
        String host = c.optionalString("host").orElse(serviceHost);
        if (!Validation.isValidHost(host)) {
            throw c.error("host", "expected a DNS name or an IP address but was " + Validation.quote(host));
        }
        int port = c.optionalInt("port", 1, 65535, servicePort);
        Duration timeout = c.optionalSeconds("timeout", Check.DEFAULT_TIMEOUT);
        int rise = c.optionalInt("rise", 1, 1000, Check.DEFAULT_RISE);
        int fall = c.optionalInt("fall", 1, 1000, Check.DEFAULT_FALL);
        Optional<String> uri = c.optionalString("uri");
        boolean ssl = c.optionalBoolean("ssl", false);
        Map<String, String> headers = c.optionalStringMap("headers");
        Optional<String> expect = c.optionalString("expect");
        List<String> command = List.of();
        switch (type) {
            case "http" -> {
                if (uri.isEmpty()) {
                    throw c.error("uri", "required key is missing (an http check needs it)");
                }
                if (!uri.get().startsWith("/") || uri.get().contains(" ") || Validation.hasControlCharacter(uri.get())) {
                    throw c.error("uri", "expected a path starting with / but was " + Validation.quote(uri.get()));
                }
            }
            case "command" -> {
                if (!c.has("command")) {
                    throw c.error("command", "required key is missing (a command check needs it)");
                }
                command = c.requiredStringList("command");
            }
            default -> {
            }
        }
        for (String key : List.of("uri", "ssl", "headers", "expect")) {
            if (!type.equals("http") && c.has(key)) {
                throw c.error(key, "only applies to http checks, but this check's type is " + Validation.quote(type));
            }
        }
        if (!type.equals("command") && c.has("command")) {
            throw c.error("command", "only applies to command checks, but this check's type is " + Validation.quote(type));
        }
        return new Check(type, name, host, port, timeout, rise, fall, uri, ssl, headers, expect, List.copyOf(command));
    }
}
