package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smartstack.discovery.agent.config.SynapseConfig.DiscoveryExtras;
import dev.smartstack.discovery.agent.config.SynapseConfig.FileOutputConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig.Haproxy;
import dev.smartstack.discovery.agent.config.SynapseConfig.LabelFilterConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig.RetryPolicy;
import dev.smartstack.discovery.agent.config.SynapseConfig.Server;
import dev.smartstack.discovery.agent.config.SynapseConfig.Service;
import dev.smartstack.discovery.agent.config.SynapseConfig.ServiceHaproxy;
import dev.smartstack.discovery.core.Validation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a bound {@link SynapseFile} into a {@link SynapseConfig}: defaults, paths and cross-key rules. */
final class SynapseLoader {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:\\[\\]*-]+");
    private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9._:-]+");

    private SynapseLoader() {
    }

    static SynapseConfig load(Path file, String shownAs, Map<String, String> env) {
        SynapseFile top = ConfigBinder.bind(ConfigBinder.readTree(file, shownAs, env), SynapseFile.class, shownAs, "");
        Optional<Path> confDir = Optional.ofNullable(top.serviceConfDir()).map(d -> ConfigFiles.resolve(file, d));
        Optional<FileOutputConfig> fileOutput = Optional.ofNullable(top.fileOutput()).map(f -> {
            String dir = f.outputDirectory();
            if (dir.isBlank() || Validation.hasControlCharacter(dir)) {
                throw new ConfigException(shownAs, "file_output.output_directory", "expected a directory but was "
                        + Validation.quote(dir));
            }
            return new FileOutputConfig(ConfigFiles.resolve(file, dir));
        });
        Optional<Haproxy> haproxy = Optional.ofNullable(top.haproxy()).map(h -> haproxy(file, shownAs, h));
        if (fileOutput.isEmpty() && haproxy.isEmpty()) {
            throw new ConfigException(shownAs, "", "at least one generator is required: add \"file_output\" or \"haproxy\"");
        }
        Map<String, Service> services = ConfigFiles.services(shownAs, top.services(), confDir,
                SynapseFile.Service.class, env, SynapseLoader::service);
        if (haproxy.isPresent()) {
            Map<String, String> backends = new LinkedHashMap<>();
            for (Service s : services.values()) { // a service without a haproxy section has a backend too, as in Ruby
                String be = s.haproxy().flatMap(ServiceHaproxy::backendName).orElse(s.name());
                String other = backends.putIfAbsent(be, s.name());
                if (other != null) {
                    throw new ConfigException(shownAs, "services." + s.name()
                            + (s.haproxy().isPresent() ? ".haproxy.backend_name" : ""),
                            "backend " + Validation.quote(be) + " is also used by service " + Validation.quote(other));
                }
            }
        }
        return new SynapseConfig(Collections.unmodifiableMap(services), confDir, fileOutput, haproxy,
                ConfigFiles.seconds(top.zkSessionTimeout(), SynapseConfig.DEFAULT_ZK_SESSION_TIMEOUT), Optional.ofNullable(top.statsd()).map(s -> StatsdConfig.of(s.host(), s.port())),
                Optional.ofNullable(top.admin()).map(SynapseFile.Admin::config),
                ZkSecurityLoader.load(shownAs, file, top.zkAuth(), top.zkTls(), env, false));
    }

    private static <T> T or(T value, T defaultValue) {
        return value == null ? defaultValue : value;
    }

    private static Service service(String file, String path, String name, SynapseFile.Service s) {
        if (!Validation.isValidName(name)) {
            throw new ConfigException(file, path, "expected a service name of 1 to " + Validation.MAX_NAME_LENGTH
                    + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(name));
        }
        if (s.backendPortOverride() == null && s.haproxy() != null && s.haproxy().serverPortOverride() != null) {
            // haproxy.server_port_override: Ruby's deprecated spelling of backend_port_override
            s = new SynapseFile.Service(s.discovery(), s.discoveryMulti(), s.defaultServers(), s.keepDefaultServers(),
                    s.usePreviousBackends(), s.haproxy().serverPortOverride(), s.leaderElection(), s.haproxy(),
                    s.fileOutput(), s.loadTestConcurrency());
        }
        SynapseFile.Discovery d = s.discovery();
        String dp = RecordRules.join(path, "discovery");
        DiscoveryExtras extras = extras(file, dp, name, s, d);
        if (s.discoveryMulti() != null) {
            Map<String, SynapseFile.Discovery> watchers = new LinkedHashMap<>(or(s.discoveryMulti().watchers(), Map.of()));
            watchers.put("primary", d);
            d = new SynapseFile.Discovery("multi", null, null, null, null, null, null, null, null, null, null, null, null,
                    watchers, s.discoveryMulti().resolver());
            dp = RecordRules.join(path, "discovery_multi");
            extras = extras(file, dp, name, s, d);
        }
        String method = d.method();
        checkMethod(file, dp, method, d);
        List<LabelFilterConfig> filters = new ArrayList<>();
        List<SynapseFile.LabelFilter> entries = new ArrayList<>(or(d.labelFilters(), List.of()));
        if (d.labelFilter() != null) {
            entries.add(0, d.labelFilter());
        }
        for (int i = 0; i < entries.size(); i++) {
            SynapseFile.LabelFilter f = entries.get(i);
            if (!f.value().isValueNode()) {
                String fp = d.labelFilter() == null ? dp + ".label_filters[" + i + "]"
                        : i == 0 ? dp + ".label_filter" : dp + ".label_filters[" + (i - 1) + "]";
                throw new ConfigException(file, fp + ".value", "expected a string, number or boolean but was "
                        + RecordRules.describe(f.value()));
            }
            filters.add(new LabelFilterConfig(f.label(), f.value().asText(), f.condition()));
        }
        String decodeMethod = Service.DEFAULT_DECODE_METHOD;
        Optional<String> endpointName = Optional.empty();
        if (d.decode() != null) {
            decodeMethod = or(d.decode().method(), Service.DEFAULT_DECODE_METHOD);
            endpointName = Optional.ofNullable(d.decode().endpointName());
            if (endpointName.isPresent() && !decodeMethod.equals("serverset")) {
                throw new ConfigException(file, dp + ".decode.endpoint_name", "only applies to decode method "
                        + "\"serverset\", but this one is " + Validation.quote(decodeMethod));
            }
        }
        List<Server> defaults = servers(file, RecordRules.join(path, "default_servers"), s.defaultServers());
        Optional<ServiceHaproxy> haproxy = Optional.ofNullable(s.haproxy())
                .map(h -> serviceHaproxy(file, RecordRules.join(path, "haproxy"), h));
        return new Service(name, method, Optional.ofNullable(d.path()), List.copyOf(or(d.hosts(), List.of())), decodeMethod,
                endpointName, List.copyOf(filters), defaults, or(s.keepDefaultServers(), false),
                or(s.usePreviousBackends(), true), Optional.ofNullable(s.backendPortOverride()), or(s.leaderElection(), false),
                haproxy, extras, s.fileOutput() != null && or(s.fileOutput().disabled(), false),
                Optional.ofNullable(s.loadTestConcurrency()));
    }

    /** Which keys each method needs and allows. */
    private static void checkMethod(String file, String dp, String method, SynapseFile.Discovery d) {
        if (SynapseConfig.isRefusedMethod(method)) {
            throw new ConfigException(file, dp + ".method", Validation.quote(method) + " is not supported: "
                    + SynapseConfig.refusedReason(method) + " (supported: "
                    + RecordRules.alternatives(SynapseConfig.METHODS.toArray(String[]::new)) + ")");
        }
        if (!SynapseConfig.METHODS.contains(method)) {
            throw new ConfigException(file, dp + ".method", "expected "
                    + RecordRules.alternatives(SynapseConfig.METHODS.toArray(String[]::new)) + " but was " + Validation.quote(method));
        }
        boolean zk = method.equals("zookeeper") || method.equals("zookeeper_poll");
        if (zk) {
            if (d.path() == null) {
                throw new ConfigException(file, dp + ".path", "required key is missing");
            }
            if (d.hosts() == null) {
                throw new ConfigException(file, dp + ".hosts", "required key is missing");
            }
        } else {
            only(file, dp, method, "zookeeper", "path", d.path(), "hosts", d.hosts(), "decode", d.decode(),
                    "retry_policy", d.retryPolicy(), "discovery_jitter", d.discoveryJitter(),
                    "generator_config_path", d.generatorConfigPath());
        }
        if (!method.equals("zookeeper_poll")) {
            only(file, dp, method, "zookeeper_poll", "polling_interval_sec", d.pollingIntervalSec());
        }
        if (!method.equals("dns")) {
            only(file, dp, method, "dns", "nameserver", d.nameserver(), "servers", d.servers(),
                    "check_interval", d.checkInterval());
        } else if (d.servers() == null || d.servers().isEmpty()) {
            throw new ConfigException(file, dp + ".servers", "required key is missing (a dns service needs its names)");
        }
        if (!method.equals("multi")) {
            only(file, dp, method, "multi", "watchers", d.watchers(), "resolver", d.resolver());
        } else {
            if (d.watchers() == null || d.watchers().isEmpty()) {
                throw new ConfigException(file, dp + ".watchers", "required key is missing (a multi service needs watchers)");
            }
            if (d.resolver() == null) {
                throw new ConfigException(file, dp + ".resolver", "required key is missing");
            }
            String r = d.resolver().method();
            if (!r.equals("union") && !r.equals("sequential")) {
                throw new ConfigException(file, dp + ".resolver.method", "expected \"union\" or \"sequential\" but was "
                        + Validation.quote(r) + (r.equals("s3_toggle") ? " (s3_toggle reads AWS S3, which this agent does not)" : ""));
            }
            // sequential_order is checked by MultiDiscovery (the agent maps it there, also for --check-config).
        }
    }

    /** Refuses the keys (key, value pairs) that only apply to discovery method {@code owner}. */
    private static void only(String file, String dp, String method, String owner, Object... keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                throw new ConfigException(file, dp + "." + keysAndValues[i], "only applies to method " + Validation.quote(owner)
                        + ", but this service's method is " + Validation.quote(method));
            }
        }
    }

    private static DiscoveryExtras extras(String file, String dp, String name, SynapseFile.Service s,
            SynapseFile.Discovery d) {
        SynapseFile.RetryPolicy r = d.retryPolicy();
        RetryPolicy retry = null;
        if (r != null) {
            retry = RetryPolicy.DEFAULT;
            retry = new RetryPolicy(or(r.maxAttempts(), retry.maxAttempts()), ConfigFiles.seconds(r.maxDelay(), retry.maxDelay()),
                    ConfigFiles.seconds(r.baseInterval(), retry.baseInterval()),
                    ConfigFiles.seconds(r.maxInterval(), retry.maxInterval()));
            if (retry.baseInterval().compareTo(retry.maxInterval()) > 0) {
                throw new ConfigException(file, dp + ".retry_policy.base_interval", "must not be greater than max_interval ("
                        + retry.maxInterval().toMillis() / 1000.0 + " s) but was " + retry.baseInterval().toMillis() / 1000.0);
            }
        }
        Map<String, Service> watchers = new LinkedHashMap<>();
        if (d.watchers() != null) {
            d.watchers().forEach((w, wd) -> watchers.put(w, service(file, dp + ".watchers." + w, name,
                    new SynapseFile.Service(wd, null, s.defaultServers(), s.keepDefaultServers(), s.usePreviousBackends(),
                            s.backendPortOverride(), s.leaderElection(), null, null, null))));
        }
        if (d.generatorConfigPath() != null && !d.generatorConfigPath().equals(Service.GENERATOR_CONFIG_DISABLED)
                && !Validation.isValidZkPath(d.generatorConfigPath())) {
            throw new ConfigException(file, dp + ".generator_config_path", "expected an absolute ZooKeeper path such as "
                    + "/nerve/services/web, or \"disabled\", but was " + Validation.quote(d.generatorConfigPath()));
        }
        DiscoveryExtras none = DiscoveryExtras.NONE;
        return new DiscoveryExtras(Optional.ofNullable(retry), Optional.ofNullable(d.discoveryJitter()).map(j -> ConfigFiles.seconds(j, null)),
                Optional.ofNullable(d.generatorConfigPath()),
                ConfigFiles.seconds(d.pollingIntervalSec(), none.pollingInterval()),
                ConfigFiles.seconds(d.checkInterval(), none.checkInterval()), Optional.ofNullable(d.nameserver()),
                servers(file, dp + ".servers", d.servers()), Collections.unmodifiableMap(watchers),
                Optional.ofNullable(d.resolver()).map(SynapseFile.Resolver::method),
                List.copyOf(d.resolver() == null ? List.of() : or(d.resolver().sequentialOrder(), List.of())));
    }

    private static List<Server> servers(String file, String path, List<SynapseFile.Server> entries) {
        List<Server> servers = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        List<SynapseFile.Server> list = or(entries, List.of());
        for (int i = 0; i < list.size(); i++) {
            SynapseFile.Server srv = list.get(i);
            String p = path + "[" + i + "]";
            String serverName = or(srv.name(), srv.host() + ":" + srv.port());
            if (!Validation.isValidName(serverName)) {
                throw new ConfigException(file, p + ".name", "expected 1 to " + Validation.MAX_NAME_LENGTH
                        + " characters of [A-Za-z0-9._:@-] but was " + Validation.quote(serverName));
            }
            if (!names.add(serverName)) {
                throw new ConfigException(file, p + ".name", "another " + (path.endsWith("default_servers") ? "default server"
                        : "server") + " is also named " + Validation.quote(serverName));
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : or(srv.labels(), Map.<String, JsonNode>of()).entrySet()) {
                if (!e.getValue().isValueNode()) {
                    throw new ConfigException(file, p + ".labels." + e.getKey(), "expected a string, number or boolean but was "
                            + RecordRules.describe(e.getValue()));
                }
                labels.put(e.getKey(), e.getValue().asText());
            }
            servers.add(new Server(serverName, srv.host(), srv.port(), Collections.unmodifiableMap(labels)));
        }
        return List.copyOf(servers);
    }

    static ServiceHaproxy serviceHaproxy(String file, String path, SynapseFile.ServiceHaproxy h) {
        JsonNode port = h.port();
        if (port != null && !port.isNull() && !(port.isIntegralNumber() && port.canConvertToInt()
                && port.intValue() >= 1 && port.intValue() <= 65535)) { // null: Ruby's bind without a port
            throw new ConfigException(file, path + ".port", "expected an integer in [1, 65535] or null but was "
                    + RecordRules.describe(port));
        }
        if (h.serverOptions() != null && h.serverOptions().indexOf('#') >= 0) {
            throw new ConfigException(file, path + ".server_options", "must not contain '#' but was "
                    + Validation.quote(h.serverOptions()));
        }
        if (h.backendName() != null && !BACKEND_NAME.matcher(h.backendName()).matches()) {
            throw new ConfigException(file, path + ".backend_name", "expected one token of [A-Za-z0-9._:-] but was "
                    + Validation.quote(h.backendName()));
        }
        return new ServiceHaproxy(port == null || port.isNull() ? Optional.empty() : Optional.of(port.intValue()),
                Optional.ofNullable(h.bindAddress()),
                Optional.ofNullable(h.bindOptions()), Optional.ofNullable(h.serverOptions()),
                List.copyOf(or(h.listen(), List.of())), List.copyOf(or(h.frontend(), List.of())),
                List.copyOf(or(h.backend(), List.of())), Optional.ofNullable(h.backendName()),
                Optional.ofNullable(h.backendOrder()), or(h.cookieValueMethod(), ServiceHaproxy.DEFAULT_COOKIE_VALUE_METHOD),
                or(h.disabled(), false), port != null && port.isNull(), List.copyOf(or(h.sharedFrontend(), List.of())),
                Optional.ofNullable(h.useNerveWeights()));
    }

    private static void token(String file, String path, String key, String value) {
        if (value != null && !TOKEN.matcher(value).matches()) {
            throw new ConfigException(file, path + "." + key, "expected one token of [A-Za-z0-9._:[]*-] but was "
                    + Validation.quote(value));
        }
    }

    private static Haproxy haproxy(Path file, String shownAs, SynapseFile.Haproxy h) {
        Map<String, List<String>> extra = new LinkedHashMap<>();
        or(h.extraSections(), Map.<String, List<String>>of()).forEach((title, lines) -> {
            if (title.isBlank() || Validation.hasControlCharacter(title)) {
                throw new ConfigException(shownAs, "haproxy.extra_sections." + title, "expected a section title such as "
                        + "\"listen stats\" but was " + Validation.quote(title));
            }
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i) == null || Validation.hasControlCharacter(lines.get(i))) {
                    throw new ConfigException(shownAs, "haproxy.extra_sections." + title + "[" + i + "]",
                            "expected a single line of HAProxy config but was " + Validation.quote(lines.get(i)));
                }
            }
            extra.put(title, List.copyOf(lines));
        });
        boolean doWrites = or(h.doWrites(), true);
        boolean doReloads = or(h.doReloads(), true);
        boolean doSocket = or(h.doSocket(), true);
        boolean manage = or(h.manageProcess(), false);
        Optional<Path> configFile = path(file, shownAs, "config_file_path", h.configFilePath());
        if (doWrites && configFile.isEmpty()) {
            throw new ConfigException(shownAs, "haproxy.config_file_path", "required key is missing (do_writes is on)");
        }
        if (manage && !doWrites) {
            throw new ConfigException(shownAs, "haproxy.manage_process",
                    "needs do_writes on (the agent runs HAProxy from the file it writes)");
        }
        Optional<String> reload = Optional.ofNullable(h.reloadCommand());
        if (reload.isPresent() && reload.get().isBlank()) {
            throw new ConfigException(shownAs, "haproxy.reload_command", "expected a command but was "
                    + Validation.quote(reload.get()));
        }
        if (doReloads && !manage && reload.isEmpty()) {
            throw new ConfigException(shownAs, "haproxy.reload_command",
                    "required key is missing (do_reloads is on and manage_process is off)");
        }
        List<String> socketNames = or(h.socketFilePath(), List.of());
        List<Path> sockets = new ArrayList<>();
        for (int i = 0; i < socketNames.size(); i++) {
            sockets.add(path(file, shownAs, "socket_file_path" + (h.socketFilePath().size() > 1 ? "[" + i + "]" : ""),
                    socketNames.get(i)).orElseThrow());
        }
        if (doSocket && sockets.isEmpty() && !manage) {
            throw new ConfigException(shownAs, "haproxy.socket_file_path", "required key is missing (do_socket is on)");
        }
        boolean doChecks = or(h.doChecks(), false);
        if (doChecks && h.checkCommand() == null) { // Ruby's rule: do_checks needs both
            throw new ConfigException(shownAs, "haproxy.check_command", "required key is missing (do_checks is on)");
        }
        if (doChecks && h.candidateConfigFilePath() == null) {
            throw new ConfigException(shownAs, "haproxy.candidate_config_file_path", "required key is missing (do_checks is on)");
        }
        token(shownAs, "haproxy", "bind_address", h.bindAddress());
        String haproxyPath = or(h.haproxyPath(), Haproxy.DEFAULT_HAPROXY_PATH);
        if (haproxyPath.isBlank()) {
            throw new ConfigException(shownAs, "haproxy.haproxy_path", "expected a program but was " + Validation.quote(haproxyPath));
        }
        return new Haproxy(List.copyOf(h.global()), List.copyOf(h.defaults()), Collections.unmodifiableMap(extra), configFile,
                doWrites, doReloads, reload, doSocket, List.copyOf(sockets),
                ConfigFiles.seconds(h.restartInterval(), Haproxy.DEFAULT_RESTART_INTERVAL), or(h.restartJitter(), 0.0),
                path(file, shownAs, "state_file_path", h.stateFilePath()),
                ConfigFiles.seconds(h.stateFileTtl(), Haproxy.DEFAULT_STATE_FILE_TTL),
                or(h.bindAddress(), Haproxy.DEFAULT_BIND_ADDRESS), or(h.useNerveWeights(), false),
                or(h.maxServerId(), Haproxy.DEFAULT_MAX_SERVER_ID), haproxyPath, manage,
                ConfigFiles.seconds(h.drainTimeout(), Haproxy.DEFAULT_DRAIN_TIMEOUT),
                Optional.ofNullable(h.sharedFrontend()).map(List::copyOf), doChecks, Optional.ofNullable(h.checkCommand()),
                path(file, shownAs, "candidate_config_file_path", h.candidateConfigFilePath()),
                Optional.ofNullable(h.serverOrderSeed()));
    }

    private static Optional<Path> path(Path file, String shownAs, String key, String value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isBlank() || Validation.hasControlCharacter(value)) {
            throw new ConfigException(shownAs, "haproxy." + key, "expected a file path but was " + Validation.quote(value));
        }
        return Optional.of(ConfigFiles.resolve(file, value));
    }
}
