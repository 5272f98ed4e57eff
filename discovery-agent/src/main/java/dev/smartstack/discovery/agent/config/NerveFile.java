package dev.smartstack.discovery.agent.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smartstack.discovery.core.Validation;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code nerve.conf.json} as Jackson binds it: one component per key of Ruby Nerve 0.9.7 (and our
 * extensions), null when absent. {@link NerveConfig#load} applies the defaults and the rules that
 * involve several keys.
 */
record NerveFile(
        @Rules.OneLine String instanceId,
        Map<String, Service> services,
        @Rules.OneLine String serviceConfDir,
        @Rules.OneLine String heartbeatPath,
        @Rules.IntRange(min = 1, max = Integer.MAX_VALUE) Integer maxRepeatedReportFailures,
        @Rules.Seconds Double zkSessionTimeout,
        Statsd statsd,
        Prometheus prometheus,
        SynapseFile.Admin admin,
        ZkSecurityFile.Auth zkAuth,
        ZkSecurityFile.Tls zkTls) {

    /** A service entry (also a whole file of {@code service_conf_dir}). */
    record Service(
            @Rules.Required @Rules.Host String host,
            @Rules.Required @Rules.IntRange(min = 1, max = 65535) Integer port,
            String reporterType,
            @Rules.NonEmpty @Rules.HostPorts List<String> zkHosts,
            @Rules.ZkPath String zkPath,
            @Rules.Seconds Double checkInterval,
            List<Check> checks,
            @Rules.IntRange(min = 0, max = Validation.MAX_WEIGHT) Integer weight,
            String haproxyServerOptions,
            Map<String, String> labels,
            @Rules.OneOf({"ephemeral_sequential", "ephemeral", "persistent_sequential", "persistent"}) String nodeType,
            Boolean checkMocked,
            RateLimiting rateLimiting,
            @Rules.IntRange(min = 1, max = 86_400) Integer ttlSeconds,
            @Rules.IntRange(min = 0, max = 1000) Integer loadTestConcurrency,
            Boolean usePathEncoding,
            String etcdHost,
            @Rules.IntRange(min = 1, max = 65535) Integer etcdPort,
            String etcdPath) {
    }

    /** A check entry. */
    record Check(
            @Rules.Required String type,
            String name,
            @Rules.Host String host,
            @Rules.IntRange(min = 1, max = 65535) Integer port,
            @Rules.Seconds Double timeout,
            @Rules.IntRange(min = 1, max = 1000) Integer rise,
            @Rules.IntRange(min = 1, max = 1000) Integer fall,
            String uri,
            Boolean ssl,
            Map<String, String> headers,
            String expect,
            @Rules.NonEmpty List<String> command,
            @Rules.Seconds Double openTimeout,
            @Rules.Seconds Double readTimeout,
            @Rules.Seconds Double sslTimeout,
            String username,
            String password,
            String module) {
    }

    /** {@code rate_limiting}. */
    record RateLimiting(
            Boolean shadowMode,
            @Rules.Required @Rules.Above(0) Double averageRate,
            @Rules.Required @Rules.IntRange(min = 1, max = Integer.MAX_VALUE) Integer maxBurst) {
    }

    /** Yelp's {@code prometheus}: served on the admin endpoint (see {@link NerveConfig#admin()}). */
    record Prometheus(Boolean enabled, @Rules.IntRange(min = 0, max = 65535) Integer port, @Rules.Host String bind,
            JsonNode histogramBucketsZk, JsonNode histogramBucketsMainLoop) {
        /** Yelp's defaults: port 9292 on 0.0.0.0, when enabled. */
        Optional<AdminConfig> admin() {
            return Boolean.TRUE.equals(enabled)
                    ? Optional.of(new AdminConfig(bind == null ? "0.0.0.0" : bind, port == null ? 9292 : port))
                    : Optional.empty();
        }
    }

    /** {@code statsd}: where Ruby Nerve sends its metrics. */
    record Statsd(@Rules.Host String host, @Rules.IntRange(min = 1, max = 65535) Integer port) {
    }
}
