package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import java.util.Map;

/**
 * {@code synapse.conf.json} as Jackson binds it: one component per key of Ruby Synapse 0.18.9 that
 * this agent accepts (and our extensions), null when absent. {@link SynapseConfig#load} applies
 * the defaults and the rules that involve several keys.
 */
record SynapseFile(
        Map<String, Service> services,
        @Rules.OneLine String serviceConfDir,
        Haproxy haproxy,
        FileOutput fileOutput,
        Statsd statsd,
        @Rules.Seconds Double zkSessionTimeout,
        Admin admin,
        ZkSecurityFile.Auth zkAuth,
        ZkSecurityFile.Tls zkTls) {

    /** A service entry (also a whole file of {@code service_conf_dir}). */
    record Service(
            @Rules.Required Discovery discovery,
            DiscoveryMulti discoveryMulti,
            List<Server> defaultServers,
            Boolean keepDefaultServers,
            Boolean usePreviousBackends,
            @Rules.IntRange(min = 1, max = 65535) Integer backendPortOverride,
            Boolean leaderElection,
            ServiceHaproxy haproxy,
            ServiceFileOutput fileOutput,
            @Rules.IntRange(min = 0, max = 1000) Integer loadTestConcurrency) {
    }

    /** {@code discovery}, and each watcher of {@code multi}. */
    record Discovery(
            @Rules.Required String method,
            @Rules.ZkPath String path,
            @Rules.NonEmpty @Rules.HostPorts List<String> hosts,
            Decode decode,
            List<LabelFilter> labelFilters,
            LabelFilter labelFilter,
            RetryPolicy retryPolicy,
            @Rules.Within(min = 0, max = 3600) Double discoveryJitter,
            @Rules.OneLine String generatorConfigPath,
            @Rules.Seconds(zero = true) Double pollingIntervalSec,
            @Rules.Seconds Double checkInterval,
            @Rules.OneLine String nameserver,
            List<Server> servers,
            Map<String, Discovery> watchers,
            Resolver resolver) {
    }

    /** Service-level {@code discovery_multi}: merged with {@code discovery}, which becomes watcher {@code primary}. */
    record DiscoveryMulti(
            @Rules.OneOf("multi") String method,
            Map<String, Discovery> watchers,
            Resolver resolver) {
    }

    /** {@code discovery.resolver} of {@code multi}. */
    record Resolver(
            @Rules.Required String method,
            List<String> sequentialOrder) {
    }

    /** {@code discovery.retry_policy}. */
    record RetryPolicy(
            @Rules.IntRange(min = 1, max = 1000) Integer maxAttempts,
            @Rules.Seconds Double maxDelay,
            @Rules.Seconds(zero = true) Double baseInterval,
            @Rules.Seconds(zero = true) Double maxInterval) {
    }

    /** {@code discovery.decode}. */
    record Decode(
            @Rules.OneOf({"nerve", "serverset", "curator"}) String method,
            String endpointName) {
    }

    /** A {@code label_filters} entry. */
    record LabelFilter(
            @Rules.Required String label,
            @Rules.Required JsonNode value,
            @Rules.Required @Rules.OneOf({"equals", "not-equals"}) String condition) {
    }

    /** A {@code default_servers} (or dns {@code servers}) entry. */
    record Server(
            String name,
            @Rules.Required @Rules.Host String host,
            @Rules.Required @Rules.IntRange(min = 1, max = 65535) Integer port,
            Map<String, JsonNode> labels) {
    }

    /** The per-service {@code file_output} section. */
    record ServiceFileOutput(Boolean disabled) {
    }

    /** The global {@code file_output} section. */
    record FileOutput(@Rules.Required String outputDirectory) {
    }

    /** (ext) {@code admin}. */
    record Admin(@Rules.Host String bind, @Rules.Required @Rules.IntRange(min = 0, max = 65535) Integer port) {
        AdminConfig config() {
            return new AdminConfig(bind == null ? AdminConfig.DEFAULT_BIND : bind, port);
        }
    }

    /** {@code statsd}. */
    record Statsd(@Rules.Host String host, @Rules.IntRange(min = 1, max = 65535) Integer port, JsonNode sampleRate) {
    }

    /** A service's {@code haproxy} section. */
    record ServiceHaproxy(
            JsonNode port,
            String bindAddress,
            @Rules.OneLine String bindOptions,
            @Rules.OneLine @JsonDeserialize(using = Words.class) String serverOptions,
            @Rules.OneLine(of = "HAProxy config") @JsonDeserialize(using = OneOrMore.class) List<String> listen,
            @Rules.OneLine(of = "HAProxy config") @JsonDeserialize(using = OneOrMore.class) List<String> frontend,
            @Rules.OneLine(of = "HAProxy config") @JsonDeserialize(using = OneOrMore.class) List<String> backend,
            String backendName,
            @Rules.OneOf({"asc", "desc", "no_shuffle"}) String backendOrder,
            @Rules.OneOf({"name", "hash"}) String cookieValueMethod,
            Boolean disabled,
            @Rules.OneLine(of = "HAProxy config") @JsonDeserialize(using = OneOrMore.class) List<String> sharedFrontend,
            @Rules.IntRange(min = 1, max = 65535) Integer serverPortOverride,
            Boolean useNerveWeights) {
    }

    /** The global {@code haproxy} section. */
    record Haproxy(
            @Rules.Required @Rules.OneLine(of = "HAProxy config") List<String> global,
            @Rules.Required @Rules.OneLine(of = "HAProxy config") List<String> defaults,
            Map<String, List<String>> extraSections,
            String configFilePath,
            Boolean doWrites,
            Boolean doReloads,
            @Rules.OneLine String reloadCommand,
            Boolean doSocket,
            @JsonDeserialize(using = OneOrMore.class) List<String> socketFilePath,
            @Rules.Seconds(zero = true) Double restartInterval,
            @Rules.Within(min = 0, max = 1) Double restartJitter,
            String stateFilePath,
            @Rules.Seconds(max = 365L * 86_400) Double stateFileTtl,
            String bindAddress,
            Boolean useNerveWeights,
            @Rules.IntRange(min = 1, max = Integer.MAX_VALUE) Integer maxServerId,
            @Rules.OneLine String haproxyPath,
            Boolean manageProcess,
            @Rules.Seconds(zero = true, max = 86_400) Double drainTimeout,
            @Rules.OneLine(of = "HAProxy config") @JsonDeserialize(using = OneOrMore.class) List<String> sharedFrontend,
            Boolean doChecks,
            @Rules.OneLine String checkCommand,
            String candidateConfigFilePath,
            Long serverOrderSeed) {
    }
}
