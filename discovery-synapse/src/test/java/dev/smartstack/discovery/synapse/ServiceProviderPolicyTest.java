package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Weights, stickiness, the instance filter, the down-instance policy, and leases across a rejoin. */
class ServiceProviderPolicyTest {
    private static ServiceInstance instance(String name, int port, Integer weight, Map<String, String> labels) {
        ServiceInstance.Builder b = ServiceInstance.builder().name(name).host("127.0.0.1").port(port)
                .znodeName(name + "_000000000" + port).labels(labels);
        if (weight != null) {
            b.weight(weight);
        }
        return b.build();
    }

    private static final ServiceInstance A = instance("a", 1, 3, Map.of("az", "one"));
    private static final ServiceInstance B = instance("b", 2, 1, Map.of("az", "two"));
    private static final ServiceInstance C = instance("c", 3, 0, Map.of("az", "one"));

    private static ServiceSnapshot snapshot(ServiceSnapshot previous, ServiceInstance... instances) {
        return ServiceSnapshot.next(previous, List.of(instances), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    private static ServiceProvider.Builder provider() {
        return ServiceProvider.builder().service("web");
    }

    private static Map<String, Integer> counts(ServiceProvider p, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(p.next().name(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void weighted_picksInProportionToWeight_andWeightZeroNever() {
        ServiceProvider p = provider().strategy(ServiceProvider.Strategy.WEIGHTED).build();
        p.update(snapshot(ServiceSnapshot.initial("web"), A, B, C));
        Map<String, Integer> counts = counts(p, 8000);
        assertThat(counts).doesNotContainKey("c");
        // Expected 6000 : 2000; the bounds are many standard deviations (about 39) wide.
        assertThat(counts.get("a")).isBetween(5600, 6400);
        assertThat(counts.get("b")).isBetween(1600, 2400);
    }

    @Test
    void weighted_everyCandidateWeighsZero_failsOpen() {
        ServiceProvider p = provider().strategy(BalancingStrategy.weighted()).build();
        p.update(snapshot(ServiceSnapshot.initial("web"), C));
        assertThat(p.next()).isEqualTo(C);
    }

    @Test
    void sticky_keepsTheSameInstance_untilItLeaves() {
        ServiceProvider p = provider().strategy(ServiceProvider.Strategy.STICKY).build();
        ServiceSnapshot s1 = snapshot(ServiceSnapshot.initial("web"), A, B, C);
        p.update(s1);
        ServiceInstance first = p.next();
        assertThat(counts(p, 50)).containsOnlyKeys(first.name());
        ServiceInstance[] others = List.of(A, B, C).stream().filter(i -> !i.equals(first)).toArray(ServiceInstance[]::new);
        p.update(snapshot(s1, others));
        ServiceInstance second = p.next();
        assertThat(second).isNotEqualTo(first);
        assertThat(counts(p, 50)).containsOnlyKeys(second.name());
    }

    @Test
    void sticky_movesOffAnInstanceThatIsDown() {
        ServiceProvider p = provider().strategy(BalancingStrategy.sticky(BalancingStrategy.roundRobin())).build();
        p.update(snapshot(ServiceSnapshot.initial("web"), A, B));
        ServiceInstance first = p.next();
        p.noteError(first);
        assertThat(counts(p, 20)).doesNotContainKey(first.name()).hasSize(1);
    }

    @Test
    void filter_onlyPassingInstancesAreChosen_andNonePassingThrows() {
        ServiceProvider p = provider().filter(i -> "one".equals(i.labels().get("az"))).build();
        ServiceSnapshot s1 = snapshot(ServiceSnapshot.initial("web"), A, B, C);
        p.update(s1);
        assertThat(counts(p, 30)).containsOnlyKeys("a", "c");
        assertThat(p.available()).containsExactly(A, C);
        p.update(snapshot(s1, B));
        assertThatThrownBy(p::next).isInstanceOf(NoInstanceAvailableException.class);
    }

    @Test
    void noteError_belowThreshold_keepsTheInstance_thresholdWithinWindow_takesItOut() {
        ServiceProviderTest.ManualClock clock = new ServiceProviderTest.ManualClock();
        ServiceProvider p = provider().clock(clock).errorThreshold(3).errorWindow(Duration.ofSeconds(10))
                .errorTimeout(Duration.ofSeconds(30)).build();
        p.update(snapshot(ServiceSnapshot.initial("web"), A, B));
        p.noteError(A);
        p.noteError(A);
        assertThat(p.available()).containsExactly(A, B);
        // The first two errors fall out of the window: the third alone is below the threshold.
        clock.now = clock.now.plusSeconds(11);
        p.noteError(A);
        assertThat(p.available()).containsExactly(A, B);
        p.noteError(A);
        p.noteError(A);
        assertThat(p.available()).containsExactly(B);
        clock.now = clock.now.plusSeconds(29);
        assertThat(p.available()).containsExactly(B);
        clock.now = clock.now.plusSeconds(2);
        assertThat(p.available()).containsExactly(A, B);
        // Back with a clean slate: one more error does not take it out again.
        p.noteError(A);
        assertThat(p.available()).containsExactly(A, B);
    }

    @Test
    void build_badErrorSettings_exactMessages() {
        assertThatThrownBy(() -> provider().errorThreshold(0))
                .hasMessage("errorThreshold must be at least 1 but was 0");
        assertThatThrownBy(() -> provider().errorWindow(Duration.ZERO))
                .hasMessage("errorWindow must be positive but was PT0S");
    }

    /** Regression: a leave dropped the count, so a rejoined instance started at 0 with leases still open. */
    @Test
    void update_instanceLeavesAndRejoinsWithLeasesOpen_keepsItsOutstandingCount() {
        ServiceProvider p = provider().strategy(ServiceProvider.Strategy.LEAST_OUTSTANDING).build();
        ServiceSnapshot s1 = snapshot(ServiceSnapshot.initial("web"), A);
        p.update(s1);
        ServiceProvider.Lease l1 = p.acquire();
        ServiceProvider.Lease l2 = p.acquire();
        assertThat(p.outstanding(A)).isEqualTo(2);
        ServiceSnapshot s2 = snapshot(s1, B);
        p.update(s2);
        p.update(snapshot(s2, A, B));
        assertThat(p.outstanding(A)).isEqualTo(2);
        // So the idle instance gets the next requests.
        assertThat(p.next()).isEqualTo(B);
        l1.close();
        l2.close();
        assertThat(p.outstanding(A)).isZero();
    }

    @Test
    void update_instanceLeavesWithNoLeaseOpen_isForgotten() {
        ServiceProvider p = provider().build();
        ServiceSnapshot s1 = snapshot(ServiceSnapshot.initial("web"), A, B);
        p.update(s1);
        p.acquire().close();
        p.noteError(A);
        ServiceSnapshot s2 = snapshot(s1, B);
        p.update(s2);
        p.update(snapshot(s2, A, B));
        assertThat(p.available()).containsExactlyInAnyOrderElementsOf(Set.of(A, B));
        assertThat(p.outstanding(A)).isZero();
    }
}
