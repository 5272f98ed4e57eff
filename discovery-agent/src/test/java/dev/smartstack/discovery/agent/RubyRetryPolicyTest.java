package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RubyRetryPolicyTest {
    private final List<Long> slept = new ArrayList<>();

    private boolean allow(RubyRetryPolicy p, int retryCount, long elapsedMs) {
        return p.allowRetry(retryCount, elapsedMs, (time, unit) -> slept.add(TimeUnit.MILLISECONDS.convert(time, unit)));
    }

    @Test
    void allowRetry_maxAttemptsCountsTheFirstTry() {
        RubyRetryPolicy p = new RubyRetryPolicy(new SynapseConfig.RetryPolicy(3, Duration.ofSeconds(600),
                Duration.ofMillis(10), Duration.ofMillis(40)));
        assertThat(allow(p, 0, 0)).isTrue();
        assertThat(allow(p, 1, 0)).isTrue();
        assertThat(allow(p, 2, 0)).isFalse();
        assertThat(slept).hasSize(2).allSatisfy(ms -> assertThat(ms).isBetween(0L, 40L));
    }

    @Test
    void allowRetry_noRetryOnceMaxDelayHasPassed() {
        RubyRetryPolicy p = new RubyRetryPolicy(new SynapseConfig.RetryPolicy(10, Duration.ofSeconds(5),
                Duration.ZERO, Duration.ZERO));
        assertThat(allow(p, 0, 4_999)).isTrue();
        assertThat(allow(p, 1, 5_000)).isFalse();
    }
}
