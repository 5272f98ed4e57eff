package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    @Test
    void tryTake_burstUsedUp_refusesUntilRefilled() {
        AtomicLong now = new AtomicLong();
        TokenBucket bucket = new TokenBucket(2.0, 3, now::get);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
        now.addAndGet(499_000_000L);
        assertThat(bucket.tryTake()).isFalse();
        now.addAndGet(2_000_000L);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
    }

    @Test
    void tryTake_longIdle_capsAtMaxBurst() {
        AtomicLong now = new AtomicLong();
        TokenBucket bucket = new TokenBucket(10.0, 2, now::get);
        now.addAndGet(60_000_000_000L);
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
    }
}
