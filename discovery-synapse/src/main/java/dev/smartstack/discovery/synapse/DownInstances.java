package dev.smartstack.discovery.synapse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ServiceProvider}'s down-instance policy, after Curator's {@code DownInstancePolicy}:
 * an instance with {@code threshold} errors within {@code window} is down for {@code timeout},
 * then back with a clean slate. Thread-safe: each instance's error times are changed under that
 * instance's own lock, with no I/O.
 */
final class DownInstances {
    private final Duration timeout;
    private final int threshold;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> errors = new ConcurrentHashMap<>();
    private final Map<String, Instant> downUntil = new ConcurrentHashMap<>();

    DownInstances(Duration timeout, int threshold, Duration window, Clock clock) {
        this.timeout = timeout;
        this.threshold = threshold;
        this.window = window;
        this.clock = clock;
    }

    /** Counts one error; returns true when it takes the instance down. */
    boolean noteError(String key) {
        Instant now = clock.instant();
        Deque<Instant> times = errors.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            Instant oldest = now.minus(window);
            while (!times.isEmpty() && times.peekFirst().isBefore(oldest)) {
                times.removeFirst();
            }
            if (times.size() < threshold) {
                return false;
            }
            times.clear();
        }
        downUntil.put(key, now.plus(timeout));
        return true;
    }

    /** Whether the instance is down now; an expired entry is removed. */
    boolean isDown(String key, Instant now) {
        Instant until = downUntil.get(key);
        if (until == null) {
            return false;
        }
        if (now.isBefore(until)) {
            return true;
        }
        downUntil.remove(key, until);
        return false;
    }

    boolean anyDown() {
        return !downUntil.isEmpty();
    }

    /** Forgets instances that are no longer registered. */
    void retainAll(Collection<String> keys) {
        downUntil.keySet().retainAll(keys);
        errors.keySet().retainAll(keys);
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return threshold + " errors in " + window + " take an instance out for " + timeout;
    }
}
