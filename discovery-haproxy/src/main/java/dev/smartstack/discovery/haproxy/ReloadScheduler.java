package dev.smartstack.discovery.haproxy;

import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When the next reload may run: at least {@code restart_interval} plus a random fraction
 * ({@code restart_jitter}) of it after the last attempt, with every request made meanwhile
 * coalesced into one. Time comes from the injected clock. Pure; guarded by the output's lock.
 */
final class ReloadScheduler {
    private final Clock clock;
    private final long intervalMillis;
    private final double jitter;
    private final DoubleSupplier random;
    private long lastAttemptMillis = Long.MIN_VALUE / 2;
    private long dueMillis;
    private boolean pending;
    private String reason = "";
    /** Requests made so far; a reload covers those made before it started. */
    private long requests;
    /** The reasons of requests made while a reload runs: what the next reload is for. */
    private String reasonSinceStart = "";

    ReloadScheduler(Clock clock, Duration interval, double jitter, DoubleSupplier random) {
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
        this.jitter = jitter;
        this.random = random;
    }

    /** Asks for a reload; a request while one is pending only adds its reason. */
    void request(String why) {
        requests++;
        if (reasonSinceStart.isEmpty()) {
            reasonSinceStart = why;
        } else if (!reasonSinceStart.contains(why) && reasonSinceStart.length() < 300) {
            reasonSinceStart = reasonSinceStart + "; " + why;
        }
        if (!pending) {
            pending = true;
            reason = why;
            dueMillis = nextAllowed();
        } else if (!reason.contains(why) && reason.length() < 300) {
            reason = reason + "; " + why;
        }
    }

    boolean pending() {
        return pending;
    }

    String reason() {
        return reason;
    }

    /** Milliseconds until the pending reload may run: 0 when due now; -1 when none is pending. */
    long millisUntilDue() {
        if (!pending) {
            return -1;
        }
        return Math.max(0, dueMillis - clock.millis());
    }

    /**
     * A reload starts: it loads what was asked for so far. Returns the generation to hand to
     * {@link #succeeded(long)}.
     */
    long started() {
        reasonSinceStart = "";
        return requests;
    }

    /**
     * The reload that {@link #started()} returned {@code generation} ran and HAProxy took it. A
     * request made while it ran is not covered by it: that one stays pending, due an interval
     * (plus jitter) after this reload.
     */
    void succeeded(long generation) {
        lastAttemptMillis = clock.millis();
        if (requests != generation) {
            pending = true;
            reason = reasonSinceStart;
            dueMillis = nextAllowed();
        } else {
            pending = false;
            reason = "";
        }
        reasonSinceStart = "";
    }

    /** The reload failed: it stays pending, and the retry waits the interval (plus jitter) again. */
    void failed() {
        lastAttemptMillis = clock.millis();
        dueMillis = nextAllowed();
    }

    /** Forgets a pending reload (reloads are off: the file and the runtime API carry everything). */
    void cancel() {
        pending = false;
        reason = "";
        reasonSinceStart = "";
    }

    private long nextAllowed() {
        long earliest = lastAttemptMillis + intervalMillis + (long) (intervalMillis * jitter * random.getAsDouble());
        return Math.max(clock.millis(), earliest);
    }
}
