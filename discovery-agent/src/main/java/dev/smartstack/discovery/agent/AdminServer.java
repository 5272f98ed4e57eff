package dev.smartstack.discovery.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.agent.config.AdminConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's admin endpoint on the JDK's HTTP server: {@code GET /metrics} (Prometheus text),
 * {@code /status} (JSON) and {@code /health} (200 "OK", or 503 with the reason). Any other path is
 * 404, any other method 405. Served by one named daemon thread.
 */
final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private enum State { LATENT, STARTED, CLOSED }

    private final AdminConfig config;
    private final PrometheusMeterRegistry registry;
    private final Supplier<Object> status;
    private final Supplier<Optional<String>> unhealthy;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private volatile HttpServer server;
    private volatile ExecutorService executor;

    /**
     * @param status the {@code /status} document, written by Jackson (plain values: strings, numbers, lists, maps, records)
     * @param unhealthy empty while healthy, else why not
     */
    AdminServer(AdminConfig config, PrometheusMeterRegistry registry, Supplier<Object> status,
            Supplier<Optional<String>> unhealthy) {
        this.config = config;
        this.registry = registry;
        this.status = status;
        this.unhealthy = unhealthy;
    }

    /** Binds and serves. */
    AdminServer start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("AdminServer cannot be started twice");
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 16);
            s.createContext("/", this::handle);
            int n = COUNT.incrementAndGet();
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "smartstack-admin-" + n);
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.start();
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException("admin: cannot listen on " + config.bind() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        log.info("admin endpoint listening on http://{}:{}/ (/metrics, /status, /health)", config.bind(), port());
        return this;
    }

    /** The port listened on (the chosen one when {@code admin.port} is 0). */
    int port() {
        HttpServer s = server;
        if (s == null) {
            throw new IllegalStateException("AdminServer is not started");
        }
        return s.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain; charset=utf-8", "only GET is served\n");
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
                case "/status" -> send(exchange, 200, "application/json", JSON.writeValueAsString(status.get()) + "\n");
                case "/health" -> {
                    Optional<String> reason = unhealthy.get();
                    send(exchange, reason.isPresent() ? 503 : 200, "text/plain; charset=utf-8",
                            reason.map(r -> "UNHEALTHY: " + r + "\n").orElse("OK\n"));
                }
                default -> send(exchange, 404, "text/plain; charset=utf-8", "not found; try /metrics, /status or /health\n");
            }
        } catch (RuntimeException e) {
            log.warn("admin: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
            throw e;
        }
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops listening at once. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        HttpServer s = server;
        if (s != null) {
            s.stop(0);
        }
        ExecutorService e = executor;
        if (e != null) {
            e.shutdownNow();
        }
        registry.close();
    }
}
