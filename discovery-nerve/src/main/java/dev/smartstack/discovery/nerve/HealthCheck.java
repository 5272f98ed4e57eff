package dev.smartstack.discovery.nerve;

import java.time.Duration;

/**
 * One health check of a service. Applications implement it in-process to report their own state
 * without an HTTP poll; {@link HealthChecks} has the HTTP and TCP checks of Ruby Nerve.
 *
 * <p>{@link #check()} runs on a thread of the reporter's check pool, under {@link #timeout()}: a
 * check that throws, or that has not returned when its timeout expires, counts as a failure. A
 * check that hangs is not run again until its previous run has returned (each such round is a
 * failure), so a hung check never piles up threads.
 */
@FunctionalInterface
public interface HealthCheck {
    /** The timeout of an in-process check unless it overrides {@link #timeout()}. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    /** Runs the check once. Must not throw checked exceptions; anything it throws is a failure. */
    HealthResult check();

    /** How long one run may take before it counts as a failure. Default 1 s. */
    default Duration timeout() {
        return DEFAULT_TIMEOUT;
    }
}
