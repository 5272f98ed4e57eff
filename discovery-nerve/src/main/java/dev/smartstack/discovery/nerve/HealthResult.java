package dev.smartstack.discovery.nerve;

import java.util.Objects;

/**
 * The outcome of one {@link HealthCheck} run.
 *
 * @param healthy whether the check passed
 * @param reason why it failed, or {@code "ok"} when it passed; never null
 */
public record HealthResult(boolean healthy, String reason) {
    private static final HealthResult OK = new HealthResult(true, "ok");

    public HealthResult {
        Objects.requireNonNull(reason, "reason == null");
    }

    /** A passing result. */
    public static HealthResult ok() {
        return OK;
    }

    /** A failing result with the reason, which is logged and passed to listeners. */
    public static HealthResult unhealthy(String reason) {
        return new HealthResult(false, reason);
    }
}
