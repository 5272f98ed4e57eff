package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The reload scheduler on a fake clock. */
class ReloadSchedulerTest {
    private Instant now = Instant.ofEpochSecond(1_000_000);
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void request_firstEver_dueAtOnce() {
        ReloadScheduler s = new ReloadScheduler(clock, Duration.ofSeconds(2), 0, () -> 0.5);
        assertThat(s.millisUntilDue()).isEqualTo(-1);
        s.request("service 'a' appeared");
        assertThat(s.pending()).isTrue();
        assertThat(s.millisUntilDue()).isZero();
    }

    @Test
    void request_withinInterval_waitsIntervalPlusJitterAndCoalescesReasons() {
        ReloadScheduler s = new ReloadScheduler(clock, Duration.ofSeconds(2), 0.5, () -> 0.5);
        s.request("first");
        s.succeeded(s.started());
        now = now.plusMillis(500);
        s.request("a");
        s.request("b");
        s.request("a");
        // 2 s + 0.5 * 0.5 * 2 s after the last reload, which was 0.5 s ago
        assertThat(s.millisUntilDue()).isEqualTo(2000);
        assertThat(s.reason()).isEqualTo("a; b");
        now = now.plusMillis(2000);
        assertThat(s.millisUntilDue()).isZero();
    }

    @Test
    void failed_staysPendingAndRetryWaitsTheIntervalAgain() {
        ReloadScheduler s = new ReloadScheduler(clock, Duration.ofSeconds(10), 0, () -> 0);
        s.request("x");
        long gen = s.started();
        s.failed();
        assertThat(s.pending()).isTrue();
        assertThat(s.millisUntilDue()).isEqualTo(10_000);
        now = now.plusSeconds(10);
        assertThat(s.millisUntilDue()).isZero();
        s.succeeded(gen);
        assertThat(s.pending()).isFalse();
        assertThat(s.reason()).isEmpty();
    }

    @Test
    void succeeded_requestMadeWhileTheReloadRan_staysPendingForTheNextReload() {
        ReloadScheduler s = new ReloadScheduler(clock, Duration.ofSeconds(2), 0, () -> 0);
        s.request("service 'a' appeared");
        long gen = s.started();
        now = now.plusMillis(300); // the reload runs
        s.request("config of service 'a' changed"); // pending already: before the fix only its reason was kept
        s.succeeded(gen);
        assertThat(s.pending()).isTrue();
        assertThat(s.reason()).isEqualTo("config of service 'a' changed");
        assertThat(s.millisUntilDue()).isEqualTo(2000); // rate-limited from the reload that just ran
        s.succeeded(s.started());
        assertThat(s.pending()).isFalse();
    }

    @Test
    void succeeded_requestWhileAStartRanWithNothingPending_staysPending() {
        ReloadScheduler s = new ReloadScheduler(clock, Duration.ofSeconds(2), 0, () -> 0);
        long gen = s.started(); // the managed HAProxy's first start: nothing was pending
        s.request("membership of 'b' changed and its backend is not live yet");
        s.succeeded(gen);
        assertThat(s.pending()).isTrue();
    }
}
