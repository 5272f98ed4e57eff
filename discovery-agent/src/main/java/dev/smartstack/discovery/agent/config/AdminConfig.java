package dev.smartstack.discovery.agent.config;

/**
 * (ext) {@code admin}: where the agent serves {@code /metrics}, {@code /status} and {@code /health}
 * over HTTP. Off unless set.
 *
 * @param bind {@code admin.bind}: the address to listen on; default {@value #DEFAULT_BIND}
 * @param port {@code admin.port}: required, 0 (any free port) to 65535
 */
public record AdminConfig(String bind, int port) {

    public static final String DEFAULT_BIND = "127.0.0.1";
}
