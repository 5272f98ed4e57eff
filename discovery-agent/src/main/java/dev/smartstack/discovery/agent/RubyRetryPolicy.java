package dev.smartstack.discovery.agent;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * Ruby Synapse's zookeeper {@code retry_policy} as a Curator {@link RetryPolicy}: at most
 * {@code max_attempts} tries of an operation (so {@code max_attempts - 1} retries), sleeping an
 * exponentially growing interval from {@code base_interval} up to {@code max_interval}, and no
 * retry once {@code max_delay} has passed since the first try.
 */
final class RubyRetryPolicy implements RetryPolicy {
    /** Curator's own cap on the retries of an {@link ExponentialBackoffRetry}. */
    private static final int MAX_RETRIES = 29;

    private final ExponentialBackoffRetry backoff;
    private final long maxDelayMs;
    private final String description;

    RubyRetryPolicy(SynapseConfig.RetryPolicy policy) {
        int retries = Math.min(MAX_RETRIES, policy.maxAttempts() - 1);
        this.backoff = new ExponentialBackoffRetry((int) Math.min(Integer.MAX_VALUE, policy.baseInterval().toMillis()),
                retries, (int) Math.min(Integer.MAX_VALUE, policy.maxInterval().toMillis()));
        this.maxDelayMs = policy.maxDelay().toMillis();
        this.description = policy.toString();
    }

    @Override
    public boolean allowRetry(int retryCount, long elapsedTimeMs, RetrySleeper sleeper) {
        return elapsedTimeMs < maxDelayMs && backoff.allowRetry(retryCount, elapsedTimeMs, sleeper);
    }

    @Override
    public boolean allowRetry(Throwable exception) {
        return backoff.allowRetry(exception);
    }

    @Override
    public String toString() {
        return "RubyRetryPolicy" + description;
    }
}
