package dev.smartstack.discovery.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded load generator: {@code threads} loops, each sending {@code GET /} to the HAProxy
 * frontend on 127.0.0.1 over a fresh connection ({@code Connection: close}, so that no failure is an
 * artefact of a reused idle connection), until {@code maxRequests} were sent in all, {@code maxTime}
 * has passed, or {@link #close()}. Every request is counted:
 * <ul>
 *   <li>ok: 200 from a backend (the body is its id);</li>
 *   <li>to a failing backend: 500 whose body is a backend's id (that backend answered, and it is
 *       {@linkplain Backend#sick(boolean) sick}: the request was aimed at an unhealthy backend);</li>
 *   <li>failed: anything else (a connection error, a timeout, HAProxy's own 503): the request was
 *       aimed at a healthy backend, or at none, and failed.</li>
 * </ul>
 */
public final class Traffic implements AutoCloseable {
    private static final int MAX_FAILURES_KEPT = 50;

    /** Counters at one instant; subtract two to get a scenario's figures. */
    public record Counts(long sent, long ok, long toFailing, long failed) {
        public Counts minus(Counts earlier) {
            return new Counts(sent - earlier.sent, ok - earlier.ok, toFailing - earlier.toFailing, failed - earlier.failed);
        }
    }

    private final int port;
    private final long maxRequests;
    private final long deadline;
    private final Set<String> backendIds;
    private final long pauseMillis;
    private final AtomicLong issued = new AtomicLong();
    private final LongAdder ok = new LongAdder();
    private final LongAdder toFailing = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Map<String, LongAdder> okBy = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    private Traffic(int port, int threads, long maxRequests, Duration maxTime, Duration pause, Set<String> backendIds) {
        this.port = port;
        this.maxRequests = maxRequests;
        this.deadline = System.nanoTime() + maxTime.toNanos();
        this.pauseMillis = pause.toMillis();
        this.backendIds = Set.copyOf(backendIds);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::loop, "chaos-traffic-" + (i + 1));
            t.setDaemon(true);
            this.threads.add(t);
        }
    }

    /**
     * Starts sending at once.
     *
     * @param backendIds the ids the backends answer with, to attribute a 500 to a failing backend
     */
    public static Traffic start(int port, int threads, long maxRequests, Duration maxTime, Duration pause,
            Set<String> backendIds) {
        if (threads < 1 || maxRequests < 1) {
            throw new IllegalArgumentException("threads and maxRequests must be positive but were " + threads
                    + " and " + maxRequests);
        }
        Traffic t = new Traffic(port, threads, maxRequests, maxTime, pause, backendIds);
        t.threads.forEach(Thread::start);
        return t;
    }

    public Counts counts() {
        long o = ok.sum();
        long f = toFailing.sum();
        long x = failed.sum();
        return new Counts(o + f + x, o, f, x);
    }

    /** How many 200s each backend id answered. */
    public long okFrom(String id) {
        LongAdder a = okBy.get(id);
        return a == null ? 0 : a.sum();
    }

    /** The first failures, each with its time and what went wrong. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** True while the loops run (false once the count or the time is used up, or after close). */
    public boolean running() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    private void loop() {
        while (!stopped.get() && System.nanoTime() < deadline && issued.incrementAndGet() <= maxRequests) {
            one();
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void one() {
        Response r;
        try {
            r = get(port, Duration.ofSeconds(10));
        } catch (IOException e) {
            fail(e.toString());
            return;
        }
        if (r.status() == 200 && backendIds.contains(r.body())) {
            ok.increment();
            okBy.computeIfAbsent(r.body(), k -> new LongAdder()).increment();
        } else if (r.status() == 500 && backendIds.contains(r.body())) {
            toFailing.increment();
        } else {
            String body = r.body().length() > 80 ? r.body().substring(0, 80) + "..." : r.body();
            fail("HTTP " + r.status() + " " + body.replaceAll("\\s+", " "));
        }
    }

    private void fail(String what) {
        failed.increment();
        if (failures.size() < MAX_FAILURES_KEPT) {
            failures.add(java.time.Instant.now() + " " + what);
        }
    }

    /** A status and a body. */
    public record Response(int status, String body) {
    }

    /** One {@code GET /} to 127.0.0.1:{@code port} over a new connection. */
    public static Response get(int port, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int eol = text.indexOf("\r\n");
            int head = text.indexOf("\r\n\r\n");
            if (eol < 0 || head < 0 || !text.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + (text.isEmpty() ? "(connection closed, nothing read)"
                        : text.substring(0, Math.min(60, text.length()))));
            }
            String[] status = text.substring(0, eol).split(" ");
            return new Response(Integer.parseInt(status[1]), text.substring(head + 4).strip());
        }
    }

    /** Stops the loops and waits for the requests in flight. */
    @Override
    public void close() {
        stopped.set(true);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
