package dev.smartstack.discovery.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DiscoveryMetricsTest {

    @Test
    void countingMetrics_increments_areCountedInTotalPerServiceAndPerDetail() {
        CountingMetrics m = new CountingMetrics();
        m.increment(DiscoveryMetrics.ZNODE_REFUSED, "web", "host");
        m.increment(DiscoveryMetrics.ZNODE_REFUSED, "web", "port");
        m.increment(DiscoveryMetrics.ZNODE_REFUSED, "db", "");
        m.increment(DiscoveryMetrics.ZNODE_REFUSED, "db", null);
        assertThat(m.count(DiscoveryMetrics.ZNODE_REFUSED)).isEqualTo(4);
        assertThat(m.count(DiscoveryMetrics.ZNODE_REFUSED, "web")).isEqualTo(2);
        assertThat(m.count(DiscoveryMetrics.ZNODE_REFUSED, "db")).isEqualTo(2);
        assertThat(m.count(DiscoveryMetrics.REGISTERED)).isZero();
        assertThat(m.count(DiscoveryMetrics.REGISTERED, "web")).isZero();
        assertThat(m.snapshot()).containsEntry("smartstack.synapse.znode.refused{service=web,detail=host}", 1L)
                .containsEntry("smartstack.synapse.znode.refused{service=web,detail=port}", 1L)
                .doesNotContainKey("smartstack.synapse.znode.refused{service=db,detail=}");
    }

    @Test
    void countingMetrics_record_countsTimings() {
        CountingMetrics m = new CountingMetrics();
        m.record(DiscoveryMetrics.SNAPSHOT_LATENCY, "web", Duration.ofMillis(3));
        m.record(DiscoveryMetrics.SNAPSHOT_LATENCY, "web", Duration.ofMillis(5));
        assertThat(m.count(DiscoveryMetrics.SNAPSHOT_LATENCY)).isEqualTo(2);
    }

    @Test
    void countingMetrics_snapshot_isSortedCopy() {
        CountingMetrics m = new CountingMetrics();
        m.increment("b", "s", "");
        m.increment("a", "s", "");
        Map<String, Long> snapshot = m.snapshot();
        m.increment("a", "s", "");
        assertThat(snapshot.keySet()).containsExactly("a", "a{service=s}", "b", "b{service=s}");
        assertThat(snapshot).containsEntry("a", 1L);
    }

    @Test
    void noop_anyCall_doesNothingAndDoesNotThrow() {
        DiscoveryMetrics.NOOP.increment("x", null, null);
        DiscoveryMetrics.NOOP.record("x", null, Duration.ZERO);
        assertThat(DiscoveryMetrics.NOOP).isNotNull();
    }

    @Test
    void micrometer_registry_receivesCountersAndTimersWithTags() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DiscoveryMetrics m = DiscoveryMetrics.micrometer(registry);
        m.increment(DiscoveryMetrics.REGISTERED, "web", null);
        m.increment(DiscoveryMetrics.REGISTERED, "web", null);
        m.increment(DiscoveryMetrics.ZNODE_REFUSED, "web", "host");
        m.record(DiscoveryMetrics.SNAPSHOT_LATENCY, "web", Duration.ofMillis(7));
        m.record(DiscoveryMetrics.SNAPSHOT_LATENCY, "web", "file", Duration.ofMillis(2));
        assertThat(registry.get(DiscoveryMetrics.REGISTERED).tag("service", "web").tag("detail", "").counter().count())
                .isEqualTo(2.0);
        assertThat(registry.get(DiscoveryMetrics.ZNODE_REFUSED).tag("detail", "host").counter().count()).isEqualTo(1.0);
        assertThat(registry.get(DiscoveryMetrics.SNAPSHOT_LATENCY).tag("service", "web").tag("detail", "").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
        // One set of tag keys per name: the timer with a detail sits beside the one without.
        assertThat(registry.get(DiscoveryMetrics.SNAPSHOT_LATENCY).tag("detail", "file").timer().count()).isEqualTo(1);
    }

    @Test
    void micrometer_notARegistry_isRefused() {
        assertThatThrownBy(() -> DiscoveryMetrics.micrometer("registry"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry but was java.lang.String");
        assertThatThrownBy(() -> DiscoveryMetrics.micrometer(null))
                .hasMessage("meterRegistry must be an io.micrometer.core.instrument.MeterRegistry but was null");
    }

    @Test
    void discoveryException_message_namesServiceAndPath() {
        IllegalStateException cause = new IllegalStateException("boom");
        DiscoveryException e = new DiscoveryException("web", "/services/web", "cannot register", cause);
        assertThat(e).hasMessage("service 'web' at /services/web: cannot register").hasCause(cause);
        assertThat(e.service()).isEqualTo("web");
        assertThat(e.path()).isEqualTo("/services/web");
        assertThat(new DiscoveryException("db", "/db", "gone")).hasMessage("service 'db' at /db: gone").hasNoCause();
    }

    @Test
    void invalidInstanceException_field_isKept() {
        InvalidInstanceException e = new InvalidInstanceException("labels.zone", "bad", new RuntimeException());
        assertThat(e.field()).isEqualTo("labels.zone");
        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessage("bad");
    }
}
