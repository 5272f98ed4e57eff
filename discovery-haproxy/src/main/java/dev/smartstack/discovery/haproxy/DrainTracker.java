package dev.smartstack.discovery.haproxy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Servers on their way out: put into maintenance, they keep their sessions until HAProxy holds
 * nothing for them (no queued request, no current session, read from the runtime API); then they
 * are deleted. When {@code drain_timeout} runs out first, their sessions are shut down and they are
 * deleted all the same: a leave never turns into a reload. Time from the injected clock. Guarded by
 * the output's lock.
 */
final class DrainTracker {
    /** One draining server. */
    static final class Drain {
        final String backend;
        final ConfigRenderer.Server server;
        final long deadlineMillis;
        boolean idle;
        boolean shutDown;

        Drain(String backend, ConfigRenderer.Server server, long deadlineMillis) {
            this.backend = backend;
            this.server = server;
            this.deadlineMillis = deadlineMillis;
        }
    }

    private final Clock clock;
    private final Duration timeout;
    private final Map<String, Map<String, Drain>> byBackend = new HashMap<>();

    DrainTracker(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    void start(String backend, ConfigRenderer.Server server) {
        byBackend.computeIfAbsent(backend, b -> new LinkedHashMap<>())
                .put(server.name(), new Drain(backend, server, clock.millis() + timeout.toMillis()));
    }

    /** Stops tracking a server (deleted, revived, or gone with a reload); null if it was not draining. */
    Drain remove(String backend, String name) {
        Map<String, Drain> m = byBackend.get(backend);
        if (m == null) {
            return null;
        }
        Drain d = m.remove(name);
        if (m.isEmpty()) {
            byBackend.remove(backend);
        }
        return d;
    }

    /** The drain of one server, or null. */
    Drain get(String backend, String name) {
        Map<String, Drain> m = byBackend.get(backend);
        return m == null ? null : m.get(name);
    }

    /** The draining servers of a backend, by name. */
    Map<String, ConfigRenderer.Server> draining(String backend) {
        Map<String, Drain> m = byBackend.get(backend);
        if (m == null) {
            return Map.of();
        }
        Map<String, ConfigRenderer.Server> out = new HashMap<>();
        for (Drain d : m.values()) {
            out.put(d.server.name(), d.server);
        }
        return out;
    }

    boolean isEmpty() {
        return byBackend.isEmpty();
    }

    int size() {
        int n = 0;
        for (Map<String, Drain> m : byBackend.values()) {
            n += m.size();
        }
        return n;
    }

    /** Every draining server. */
    List<Drain> all() {
        List<Drain> out = new ArrayList<>();
        for (Map<String, Drain> m : byBackend.values()) {
            out.addAll(m.values());
        }
        return out;
    }

    /** Whether the drain timeout of {@code d} has run out. */
    boolean expired(Drain d) {
        return clock.millis() >= d.deadlineMillis;
    }

    /** Forgets everything: after a reload HAProxy holds only the servers of the new config. */
    void clear() {
        byBackend.clear();
    }

    /** {@link #load} of a server that HAProxy no longer has. */
    static final long GONE = -2;

    /**
     * The queued requests plus current sessions in a {@code show stat <backend> 4 <id>} answer
     * (CSV with its header line); {@link #GONE} for the header alone (no such server); -1 when the
     * answer is not understood.
     */
    static long load(String csv) {
        String[] lines = csv.strip().split("\n");
        if (lines.length == 1 && lines[0].startsWith("# pxname,")) {
            return GONE;
        }
        if (lines.length < 2 || !lines[0].startsWith("# ")) {
            return -1;
        }
        String[] header = lines[0].substring(2).split(",", -1);
        int qcur = indexOf(header, "qcur");
        int scur = indexOf(header, "scur");
        String[] values = lines[1].split(",", -1);
        if (qcur < 0 || scur < 0 || values.length <= Math.max(qcur, scur)) {
            return -1;
        }
        try {
            return Long.parseLong(values[qcur]) + Long.parseLong(values[scur]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int indexOf(String[] header, String column) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(column)) {
                return i;
            }
        }
        return -1;
    }
}
