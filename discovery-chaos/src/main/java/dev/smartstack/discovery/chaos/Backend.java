package dev.smartstack.discovery.chaos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend: a JDK {@link HttpServer} on a fixed 127.0.0.1 port that answers {@code /} with its
 * id and {@code /health} with 200, or with 500 to both once it is made {@link #sick(boolean) sick}
 * (the backend genuinely fails; the body still names it, so a failed request is attributed). It can
 * be stopped and started again on the same port, as an operator restarts a service. It records the
 * time of every request it receives (System.nanoTime) for the traffic-gap figures.
 */
public final class Backend implements AutoCloseable {
    private final String id;
    private final int port;
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
    private volatile boolean sick;
    private HttpServer server;
    private ExecutorService executor;

    public Backend(String id, int port) {
        this.id = id;
        this.port = port;
    }

    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}, as it appears in ZooKeeper, the file output and HAProxy. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public long received() {
        return received.get();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** The arrival times (System.nanoTime) of every traffic request so far, in order. */
    public long[] arrivals() {
        return arrivals.stream().mapToLong(Long::longValue).toArray();
    }

    public void sick(boolean sick) {
        this.sick = sick;
    }

    public boolean isSick() {
        return sick;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    public synchronized Backend start() {
        if (server != null) {
            throw new IllegalStateException("backend " + id + " is running");
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
            executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "chaos-backend-" + id);
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.createContext("/health", ex -> answer(ex, false));
            s.createContext("/", ex -> answer(ex, true));
            s.start();
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException("backend " + id + " cannot listen on 127.0.0.1:" + port, e);
        }
        return this;
    }

    private void answer(HttpExchange ex, boolean traffic) throws IOException {
        if (traffic) {
            inFlight.incrementAndGet();
            received.incrementAndGet();
            arrivals.add(System.nanoTime());
        }
        try {
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(sick ? 500 : 200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } finally {
            if (traffic) {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Stops listening, letting exchanges in progress finish for up to 2 s. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(2);
            executor.shutdown();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "backend " + id + " at " + address();
    }
}
