package dev.smartstack.discovery.nerve;

import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The rise/fall state machine of one service, with Ruby Nerve's rate limit on its transitions.
 * Pure: it does no I/O, logs nothing and starts no thread; time comes from the injected monotonic
 * clock {@code nanoTime} (only the rate limit uses it). Not thread-safe: one thread (the check
 * runner) feeds it.
 *
 * <p>Each check has its own counters: {@code rise} consecutive passes make it up, {@code fall}
 * consecutive failures make it down, and it is undecided until one of them is reached. The service
 * is down as soon as one check is down (the first such check's last reason is the service's), up
 * when every check is up, and otherwise keeps its previous state. It starts undecided, which
 * counts as not registered. A service with no checks, or with {@code check_mocked}, is up.
 */
final class HealthStateMachine {
    /**
     * What one round changed.
     *
     * @param kind what happened
     * @param up the state the round decided for (meaningful unless {@link Kind#UNCHANGED})
     * @param reason why it is down, or {@code "ok"}
     */
    record Decision(Kind kind, boolean up, String reason) {
        static final Decision UNCHANGED = new Decision(Kind.UNCHANGED, false, "ok");

        enum Kind {
            /** Nothing to report. */
            UNCHANGED,
            /** The service is now {@code up} (or down). */
            CHANGED,
            /** The service would be {@code up} (or down), but the rate limit holds it back for now. */
            RATE_LIMITED,
            /** The rate limit, in shadow mode, would have held back this change, which happened anyway. */
            CHANGED_SHADOW_LIMITED
        }
    }

    private final List<NerveService.CheckEntry> entries;
    private final boolean mocked;
    private final boolean shadowMode;
    private final TokenBucket bucket;
    private final Counter[] counters;
    private Boolean up;

    HealthStateMachine(List<NerveService.CheckEntry> entries, boolean mocked,
            Optional<NerveService.RateLimit> rateLimit, LongSupplier nanoTime) {
        this.entries = List.copyOf(entries);
        this.mocked = mocked;
        this.shadowMode = rateLimit.map(NerveService.RateLimit::shadowMode).orElse(false);
        this.bucket = rateLimit.map(r -> new TokenBucket(r.averageRate(), r.maxBurst(), nanoTime)).orElse(null);
        this.counters = new Counter[entries.size()];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new Counter();
        }
    }

    static HealthStateMachine of(NerveService service, LongSupplier nanoTime) {
        return new HealthStateMachine(service.checkEntries(), service.checkMocked(), service.rateLimit(), nanoTime);
    }

    /** The current state: true up, false down, null undecided (before the first decision). */
    Boolean up() {
        return up;
    }

    /**
     * Feeds one round of results, one per check in order (ignored, and may be empty, when the
     * service is mocked).
     *
     * @throws IllegalArgumentException when the number of results is not the number of checks
     */
    Decision round(List<HealthResult> results) {
        Boolean now;
        String reason = "ok";
        if (mocked) {
            now = Boolean.TRUE;
        } else {
            if (results.size() != counters.length) {
                throw new IllegalArgumentException("expected " + counters.length + " results but got " + results.size());
            }
            boolean allUp = true;
            now = null;
            for (int i = 0; i < counters.length; i++) {
                Counter c = counters[i];
                c.record(results.get(i), entries.get(i));
                if (Boolean.FALSE.equals(c.up)) {
                    if (now == null) {
                        now = Boolean.FALSE;
                        reason = c.lastReason;
                    }
                } else if (c.up == null) {
                    allUp = false;
                }
            }
            if (now == null) {
                now = allUp ? Boolean.TRUE : up;
            }
        }
        if (now == null || now.equals(up)) {
            return Decision.UNCHANGED;
        }
        Decision.Kind kind = Decision.Kind.CHANGED;
        if (bucket != null && !bucket.tryTake()) {
            if (!shadowMode) {
                return new Decision(Decision.Kind.RATE_LIMITED, now, reason);
            }
            kind = Decision.Kind.CHANGED_SHADOW_LIMITED;
        }
        up = now;
        return new Decision(kind, now, reason);
    }

    /** One check's counters; {@code up} is null until rise or fall is reached. */
    private static final class Counter {
        Boolean up;
        int passes;
        int failures;
        String lastReason = "ok";

        void record(HealthResult result, NerveService.CheckEntry entry) {
            if (result.healthy()) {
                passes++;
                failures = 0;
                if (passes >= entry.rise()) {
                    up = Boolean.TRUE;
                }
            } else {
                failures++;
                passes = 0;
                lastReason = result.reason();
                if (failures >= entry.fall()) {
                    up = Boolean.FALSE;
                }
            }
        }
    }
}
