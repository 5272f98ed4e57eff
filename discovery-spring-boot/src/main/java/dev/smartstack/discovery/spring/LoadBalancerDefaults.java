package dev.smartstack.discovery.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns off Spring Cloud LoadBalancer's instance-list cache (35 s by default) unless the
 * application sets {@code spring.cloud.loadbalancer.cache.enabled} itself: SmartStack's watchers
 * already hold a live, in-memory view pushed by ZooKeeper, and the cache would keep routing to an
 * instance that deregistered (or was marked OUT_OF_SERVICE) for up to its TTL. The default is
 * added last, so any property source of the application wins.
 */
final class LoadBalancerDefaults implements EnvironmentPostProcessor {
    static final String CACHE_ENABLED = "spring.cloud.loadbalancer.cache.enabled";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty("smartstack.enabled", Boolean.class, true)
                || !environment.getProperty("smartstack.discovery.enabled", Boolean.class, true)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource("smartstackDefaults", Map.of(CACHE_ENABLED, "false")));
    }
}
