package dev.smartstack.discovery.nerve;

import java.util.function.LongSupplier;

/** A token bucket: {@code maxBurst} tokens, refilled at {@code ratePerSecond}. Not thread-safe. */
final class TokenBucket {
    private final double ratePerNano;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    TokenBucket(double ratePerSecond, int maxBurst, LongSupplier nanoTime) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = maxBurst;
        this.nanoTime = nanoTime;
        this.tokens = maxBurst;
        this.last = nanoTime.getAsLong();
    }

    /** Takes one token if there is one. */
    boolean tryTake() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) * ratePerNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
