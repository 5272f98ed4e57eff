package dev.smartstack.discovery.nerve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.nerve.HealthStateMachine.Decision;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rise/fall state machine alone: no ZooKeeper, no threads, time from a hand-moved clock. */
class HealthStateMachineTest {
    private static final HealthResult OK = HealthResult.ok();
    private static final HealthResult BAD = HealthResult.unhealthy("503");
    private static final HealthCheck CHECK = HealthResult::ok;

    private final AtomicLong nanos = new AtomicLong();

    private HealthStateMachine machine(Optional<NerveService.RateLimit> rate, NerveService.CheckEntry... entries) {
        return new HealthStateMachine(List.of(entries), false, rate, nanos::get);
    }

    private static NerveService.CheckEntry check(int rise, int fall) {
        return new NerveService.CheckEntry(CHECK, rise, fall);
    }

    @Test
    void round_risePasses_upOnTheLastOfThem() {
        HealthStateMachine m = machine(Optional.empty(), check(3, 2));

        assertThat(m.round(List.of(OK))).isEqualTo(Decision.UNCHANGED);
        assertThat(m.round(List.of(OK))).isEqualTo(Decision.UNCHANGED);
        assertThat(m.up()).isNull();
        assertThat(m.round(List.of(OK))).isEqualTo(new Decision(Decision.Kind.CHANGED, true, "ok"));
        assertThat(m.up()).isTrue();
        assertThat(m.round(List.of(OK))).isEqualTo(Decision.UNCHANGED);
    }

    @Test
    void round_failuresInterruptedByAPass_countAgainFromZero() {
        HealthStateMachine m = machine(Optional.empty(), check(1, 3));
        m.round(List.of(OK));

        m.round(List.of(BAD));
        m.round(List.of(BAD));
        m.round(List.of(OK));
        m.round(List.of(BAD));
        assertThat(m.round(List.of(BAD))).isEqualTo(Decision.UNCHANGED);
        assertThat(m.up()).isTrue();
        assertThat(m.round(List.of(BAD))).isEqualTo(new Decision(Decision.Kind.CHANGED, false, "503"));
        assertThat(m.up()).isFalse();
    }

    @Test
    void round_startsUndecidedAndFailing_downAfterFall() {
        HealthStateMachine m = machine(Optional.empty(), check(2, 2));

        assertThat(m.round(List.of(BAD))).isEqualTo(Decision.UNCHANGED);
        assertThat(m.round(List.of(BAD)).kind()).isEqualTo(Decision.Kind.CHANGED);
        assertThat(m.up()).isFalse();
    }

    @Test
    void round_twoChecksOneDown_serviceDownWithThatReason() {
        HealthStateMachine m = machine(Optional.empty(), check(1, 1), check(1, 1));
        m.round(List.of(OK, OK));

        Decision d = m.round(List.of(OK, HealthResult.unhealthy("second")));

        assertThat(d).isEqualTo(new Decision(Decision.Kind.CHANGED, false, "second"));
    }

    @Test
    void round_oneCheckUpOtherUndecided_keepsPreviousState() {
        HealthStateMachine m = machine(Optional.empty(), check(1, 1), check(3, 1));
        m.round(List.of(OK, OK));
        m.round(List.of(OK, OK));

        assertThat(m.round(List.of(OK, OK)).up()).isTrue();
        m.round(List.of(OK, BAD));
        assertThat(m.up()).isFalse();
        // the second check needs 3 passes to be up again: after 1 the service stays down
        assertThat(m.round(List.of(OK, OK))).isEqualTo(Decision.UNCHANGED);
        assertThat(m.up()).isFalse();
    }

    @Test
    void round_noChecksOrMocked_upAtOnce() {
        assertThat(machine(Optional.empty()).round(List.of()).up()).isTrue();
        HealthStateMachine mocked = new HealthStateMachine(List.of(check(5, 5)), true, Optional.empty(), nanos::get);
        assertThat(mocked.round(List.of())).isEqualTo(new Decision(Decision.Kind.CHANGED, true, "ok"));
    }

    @Test
    void round_wrongNumberOfResults_throws() {
        assertThatThrownBy(() -> machine(Optional.empty(), check(1, 1)).round(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("expected 1 results but got 0");
    }

    @Test
    void round_rateLimited_heldBackUntilATokenArrives() {
        // one token, refilled at one per 10 s
        HealthStateMachine m = machine(Optional.of(new NerveService.RateLimit(0.1, 1, false)), check(1, 1));
        assertThat(m.round(List.of(OK)).kind()).isEqualTo(Decision.Kind.CHANGED);

        assertThat(m.round(List.of(BAD))).isEqualTo(new Decision(Decision.Kind.RATE_LIMITED, false, "503"));
        assertThat(m.up()).isTrue();
        nanos.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(m.round(List.of(BAD)).kind()).isEqualTo(Decision.Kind.RATE_LIMITED);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(m.round(List.of(BAD))).isEqualTo(new Decision(Decision.Kind.CHANGED, false, "503"));
        assertThat(m.up()).isFalse();
    }

    @Test
    void round_rateLimitedInShadowMode_changesAndSaysSo() {
        HealthStateMachine m = machine(Optional.of(new NerveService.RateLimit(0.1, 1, true)), check(1, 1));
        m.round(List.of(OK));

        assertThat(m.round(List.of(BAD))).isEqualTo(new Decision(Decision.Kind.CHANGED_SHADOW_LIMITED, false, "503"));
        assertThat(m.up()).isFalse();
    }
}
