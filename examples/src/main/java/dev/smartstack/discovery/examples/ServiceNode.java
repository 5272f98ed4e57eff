package dev.smartstack.discovery.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.internal.NamedThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One backend of the tour: a JDK {@link HttpServer} on 127.0.0.1 and a free port, answering
 * {@code /health} with {@code ok} (or 503 while {@link #healthy(boolean) unhealthy}) and every
 * other path with its node name.
 */
final class ServiceNode implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicBoolean healthy = new AtomicBoolean(true);

    private ServiceNode(String name, HttpServer server, ExecutorService executor) {
        this.name = name;
        this.server = server;
        this.executor = executor;
    }

    /** Starts a node named {@code name} on a free port of 127.0.0.1. */
    static ServiceNode start(String name) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService executor = Executors.newFixedThreadPool(2, new NamedThreadFactory("tour-http-" + name));
            ServiceNode node = new ServiceNode(name, server, executor);
            server.createContext("/health", node::health);
            server.createContext("/", node::root);
            server.setExecutor(executor);
            server.start();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the HTTP server of " + name, e);
        }
    }

    String name() {
        return name;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Makes {@code /health} answer 200 ({@code true}) or 503 ({@code false}). */
    void healthy(boolean on) {
        healthy.set(on);
    }

    private void health(HttpExchange exchange) throws IOException {
        boolean up = healthy.get();
        reply(exchange, up ? 200 : 503, up ? "ok" : "unhealthy");
    }

    private void root(HttpExchange exchange) throws IOException {
        reply(exchange, 200, name);
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return name + "@127.0.0.1:" + port();
    }
}
