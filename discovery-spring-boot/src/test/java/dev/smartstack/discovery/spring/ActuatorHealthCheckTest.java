package dev.smartstack.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.nerve.HealthResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.DefaultHealthContributorRegistry;
import org.springframework.boot.actuate.health.DefaultReactiveHealthContributorRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.ReactiveHealthContributor;
import org.springframework.boot.actuate.health.ReactiveHealthIndicator;
import org.springframework.boot.actuate.health.StatusAggregator;
import reactor.core.publisher.Mono;

class ActuatorHealthCheckTest {
    private static final HealthIndicator UP = () -> Health.up().build();
    private static final HealthIndicator DOWN = () -> Health.down().build();

    private static HealthResult check(Map<String, HealthContributor> contributors,
            Map<String, ReactiveHealthContributor> reactive) {
        return new ActuatorHealthCheck(new DefaultHealthContributorRegistry(contributors),
                new DefaultReactiveHealthContributorRegistry(reactive), StatusAggregator.getDefault(),
                Set.of(SmartStackHealthIndicator.NAME), Duration.ofSeconds(1)).check();
    }

    @Test
    void check_everyIndicatorUp_isHealthy() {
        assertThat(check(Map.of("db", UP, "disk", UP), Map.of())).isEqualTo(HealthResult.ok());
        assertThat(check(Map.of(), Map.of())).isEqualTo(HealthResult.ok());
    }

    @Test
    void check_oneIndicatorDown_isUnhealthyAndNamesIt() {
        Map<String, HealthContributor> m = new LinkedHashMap<>();
        m.put("db", DOWN);
        m.put("disk", UP);
        assertThat(check(m, Map.of())).isEqualTo(HealthResult.unhealthy("actuator health is DOWN: db=DOWN"));
    }

    @Test
    void check_ownIndicatorDown_isLeftOut() {
        assertThat(check(Map.of(SmartStackHealthIndicator.NAME, DOWN, "db", UP), Map.of())).isEqualTo(HealthResult.ok());
    }

    @Test
    void check_downInsideAComposite_isUnhealthy() {
        HealthContributor group = CompositeHealthContributor.fromMap(Map.of("primary", UP, "replica", DOWN));
        assertThat(check(Map.of("dataSources", group), Map.of()))
                .isEqualTo(HealthResult.unhealthy("actuator health is DOWN: dataSources/replica=DOWN"));
    }

    @Test
    void check_reactiveIndicatorDown_isUnhealthy() {
        ReactiveHealthIndicator redis = () -> Mono.just(Health.outOfService().build());
        assertThat(check(Map.of("db", UP), Map.of("redis", redis)))
                .isEqualTo(HealthResult.unhealthy("actuator health is OUT_OF_SERVICE: redis=OUT_OF_SERVICE"));
    }
}
