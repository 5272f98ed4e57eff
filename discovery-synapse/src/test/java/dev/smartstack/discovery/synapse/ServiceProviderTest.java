package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceProviderTest {
    private static final ServiceInstance A = ServiceInstance.builder().name("a").host("127.0.0.1").port(1)
            .znodeName("a_0000000001").build();
    private static final ServiceInstance B = ServiceInstance.builder().name("b").host("127.0.0.1").port(2)
            .znodeName("b_0000000002").build();
    private static final ServiceInstance C = ServiceInstance.builder().name("c").host("127.0.0.1").port(3)
            .znodeName("c_0000000003").build();

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static ServiceSnapshot snapshot(ServiceInstance... instances) {
        return ServiceSnapshot.next(ServiceSnapshot.initial("web"), List.of(instances),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    private static ServiceProvider provider(ServiceProvider.Strategy strategy, Clock clock) {
        return ServiceProvider.builder().service("web").strategy(strategy).clock(clock).build();
    }

    @Test
    void next_noInstance_throwsClearException() {
        ServiceProvider p = provider(ServiceProvider.Strategy.ROUND_ROBIN, Clock.systemUTC());
        assertThatThrownBy(p::next).isInstanceOf(NoInstanceAvailableException.class)
                .hasMessage("service 'web' has no instance");
        assertThatThrownBy(p::acquire).isInstanceOf(NoInstanceAvailableException.class);
    }

    @Test
    void next_roundRobin_eachInTurn() {
        ServiceProvider p = provider(ServiceProvider.Strategy.ROUND_ROBIN, Clock.systemUTC());
        p.update(snapshot(A, B, C));
        List<ServiceInstance> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(p.next());
        }
        assertThat(picks).containsExactly(A, B, C, A, B, C);
    }

    @Test
    void next_random_reachesEveryInstance() {
        ServiceProvider p = provider(ServiceProvider.Strategy.RANDOM, Clock.systemUTC());
        p.update(snapshot(A, B, C));
        Map<ServiceInstance, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            counts.merge(p.next(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(A, B, C);
        assertThat(counts.values()).allMatch(c -> c > 500);
    }

    @Test
    void acquire_leastOutstanding_picksTheIdlestAndLeaseCloseReleases() {
        ServiceProvider p = provider(ServiceProvider.Strategy.LEAST_OUTSTANDING, Clock.systemUTC());
        p.update(snapshot(A, B, C));
        ServiceProvider.Lease l1 = p.acquire();
        ServiceProvider.Lease l2 = p.acquire();
        ServiceProvider.Lease l3 = p.acquire();
        assertThat(List.of(l1.instance(), l2.instance(), l3.instance())).containsExactly(A, B, C);
        l2.close();
        l2.close();
        assertThat(p.outstanding(B)).isZero();
        assertThat(p.acquire().instance()).isEqualTo(B);
        assertThat(p.outstanding(A)).isEqualTo(1);
    }

    @Test
    void acquire_leastOutstandingOneRequestAtATime_spreadsOverEveryInstance() {
        // Ties went to the first instance, so a caller that waits for each answer sent everything there.
        ServiceProvider p = provider(ServiceProvider.Strategy.LEAST_OUTSTANDING, Clock.systemUTC());
        p.update(snapshot(A, B, C));
        Map<ServiceInstance, Integer> picks = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            try (ServiceProvider.Lease lease = p.acquire()) {
                picks.merge(lease.instance(), 1, Integer::sum);
            }
        }
        assertThat(picks).containsOnlyKeys(A, B, C);
        assertThat(picks.values()).containsOnly(10);
    }

    @Test
    void acquire_powerOfTwoChoices_neverPicksTheBusierOfTwo() {
        ServiceProvider p = provider(ServiceProvider.Strategy.POWER_OF_TWO_CHOICES, Clock.systemUTC());
        p.update(snapshot(A, B));
        List<ServiceProvider.Lease> busy = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            busy.add(p.acquire());
        }
        // With two instances both are always compared: the leases alternate between them.
        assertThat(Math.abs(p.outstanding(A) - p.outstanding(B))).isLessThanOrEqualTo(1);
        busy.forEach(ServiceProvider.Lease::close);
        assertThat(p.outstanding(A) + p.outstanding(B)).isZero();
    }

    @Test
    void noteError_takesInstanceOutForTheTimeout_thenBack() {
        ManualClock clock = new ManualClock();
        ServiceProvider p = ServiceProvider.builder().service("web").clock(clock)
                .errorTimeout(Duration.ofSeconds(10)).build();
        p.update(snapshot(A, B));
        p.noteError(A);
        for (int i = 0; i < 4; i++) {
            assertThat(p.next()).isEqualTo(B);
        }
        assertThat(p.instances()).containsExactly(A, B);
        clock.now = clock.now.plusSeconds(10);
        assertThat(p.available()).containsExactly(A, B);
    }

    @Test
    void noteError_everyInstanceOut_failsOpen() {
        ServiceProvider p = provider(ServiceProvider.Strategy.ROUND_ROBIN, new ManualClock());
        p.update(snapshot(A, B));
        p.noteError(A);
        p.noteError(B);
        assertThat(p.available()).containsExactly(A, B);
    }

    @Test
    void update_otherService_ignored_andRemovedInstancesForgotten() {
        ServiceProvider p = provider(ServiceProvider.Strategy.ROUND_ROBIN, new ManualClock());
        p.update(ServiceSnapshot.next(ServiceSnapshot.initial("other"), List.of(A), ServiceSnapshot.Source.ZOOKEEPER,
                true, Instant.EPOCH));
        assertThat(p.instances()).isEmpty();
        ServiceSnapshot first = snapshot(A, B);
        p.update(first);
        p.noteError(B);
        p.update(ServiceSnapshot.next(first, List.of(A), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH));
        assertThat(p.instances()).containsExactly(A);
        assertThat(p.next()).isEqualTo(A);
    }

    @Test
    void build_missingService_exactMessage() {
        assertThatThrownBy(() -> ServiceProvider.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ServiceProvider needs a service: service == null");
        assertThatThrownBy(() -> ServiceProvider.builder().errorTimeout(Duration.ofSeconds(-1)))
                .hasMessage("errorTimeout must not be negative but was PT-1S");
    }
}
