package dev.smartstack.discovery.agent;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * JDK HTTP servers on 127.0.0.1 that answer every request with their own name, so that a test
 * sees which backend HAProxy chose. Close it after the test; it stops every server it started.
 */
final class NamedBackends implements AutoCloseable {
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    /** Starts a backend answering {@code 200 <name>}; its port. */
    int start(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        servers.clear();
    }
}
