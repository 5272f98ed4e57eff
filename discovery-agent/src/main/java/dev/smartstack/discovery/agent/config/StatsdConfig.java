package dev.smartstack.discovery.agent.config;

/**
 * {@code statsd} of both config files, with Ruby's defaults: where the agent sends its metrics as
 * StatsD lines (Ruby uses a Datadog client, so the lines carry Datadog tags, and so do ours).
 * Ruby Synapse's {@code sample_rate} (per Ruby metric name) is accepted and ignored: our metrics
 * have other names and are never sampled.
 *
 * @param host {@code statsd.host}: default {@value #DEFAULT_HOST}
 * @param port {@code statsd.port}: default {@value #DEFAULT_PORT}
 */
public record StatsdConfig(String host, int port) {

    public static final String DEFAULT_HOST = "localhost";
    public static final int DEFAULT_PORT = 8125;

    static StatsdConfig of(String host, Integer port) {
        return new StatsdConfig(host == null ? DEFAULT_HOST : host, port == null ? DEFAULT_PORT : port);
    }
}
