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

    ReloadScheduler(Clock clock, Duration interval, double jitter, DoubleSupplier random) {
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
        this.jitter = jitter;
        this.random = random;
    }

    /** Asks for a reload; a request while one is pending only adds its reason. */
    void request(String why) {
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

    /** The reload ran and HAProxy took it. */
    void succeeded() {
        lastAttemptMillis = clock.millis();
        pending = false;
        reason = "";
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
    }

    private long nextAllowed() {
        long earliest = lastAttemptMillis + intervalMillis + (long) (intervalMillis * jitter * random.getAsDouble());
        return Math.max(clock.millis(), earliest);
    }
}
