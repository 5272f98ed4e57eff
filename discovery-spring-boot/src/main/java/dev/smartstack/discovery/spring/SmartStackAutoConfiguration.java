package dev.smartstack.discovery.spring;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.nerve.HealthCheck;
import dev.smartstack.discovery.nerve.HealthResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.actuate.health.HealthEndpointGroups;
import org.springframework.boot.actuate.health.ReactiveHealthContributorRegistry;
import org.springframework.boot.actuate.health.StatusAggregator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.CommonsClientAutoConfiguration;
import org.springframework.cloud.client.ReactiveCommonsClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * SmartStack for a Spring Boot application: one ZooKeeper connection
 * ({@code smartstack.zookeeper.connect-string}); the application registered while its Actuator
 * health is UP ({@code smartstack.registration.*}); a Spring Cloud {@code DiscoveryClient} and
 * {@code ReactiveDiscoveryClient} on SmartStack's watchers ({@code smartstack.discovery.*}), which
 * Spring Cloud LoadBalancer and {@code @LoadBalanced} clients use; a {@code smartStack} health
 * indicator; and Micrometer metrics in the application's {@link MeterRegistry}.
 */
@AutoConfiguration(before = {CommonsClientAutoConfiguration.class, ReactiveCommonsClientAutoConfiguration.class,
        SimpleDiscoveryClientAutoConfiguration.class, SimpleReactiveDiscoveryClientAutoConfiguration.class},
        afterName = {"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration"})
@ConditionalOnProperty(prefix = "smartstack", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(SmartStackProperties.class)
public class SmartStackAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SmartStackAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    ZooKeeperConnection smartStackZooKeeperConnection(SmartStackProperties properties) {
        return ZooKeeperConnection.start(properties.getZookeeper());
    }

    @Bean
    DiscoveryMetrics smartStackDiscoveryMetrics(ObjectProvider<MeterRegistry> registry) {
        MeterRegistry r = registry.getIfUnique();
        return r == null ? DiscoveryMetrics.NOOP : DiscoveryMetrics.micrometer(r);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(prefix = "smartstack.discovery", name = "enabled", matchIfMissing = true)
    DiscoveryWatchers smartStackDiscoveryWatchers(ZooKeeperConnection connection, SmartStackProperties properties,
            DiscoveryMetrics smartStackDiscoveryMetrics, ObjectProvider<MeterRegistry> registry) {
        return new DiscoveryWatchers(connection, properties.getDiscovery(), smartStackDiscoveryMetrics,
                registry.getIfUnique());
    }

    @Bean
    @ConditionalOnProperty(prefix = "smartstack.discovery", name = "enabled", matchIfMissing = true)
    SmartStackDiscoveryClient smartStackDiscoveryClient(DiscoveryWatchers watchers) {
        return new SmartStackDiscoveryClient(watchers);
    }

    @Bean
    @ConditionalOnClass(name = "reactor.core.publisher.Flux")
    @ConditionalOnProperty(prefix = "smartstack.discovery", name = "enabled", matchIfMissing = true)
    SmartStackReactiveDiscoveryClient smartStackReactiveDiscoveryClient(SmartStackDiscoveryClient client) {
        return new SmartStackReactiveDiscoveryClient(client);
    }

    @Bean
    @ConditionalOnProperty(prefix = "smartstack.registration", name = "enabled", matchIfMissing = true)
    SmartStackRegistration smartStackRegistration(SmartStackProperties properties, ZooKeeperConnection connection,
            ApplicationContext context, Environment environment, ObjectProvider<InetUtils> inetUtils,
            ObjectProvider<HealthContributorRegistry> health, ObjectProvider<ReactiveHealthContributorRegistry> reactive,
            ObjectProvider<HealthEndpointGroups> groups, DiscoveryMetrics smartStackDiscoveryMetrics) {
        return new SmartStackRegistration(properties, connection,
                () -> environment.getProperty("spring.application.name"),
                () -> defaultHost(environment.getProperty("server.address"), inetUtils.getIfAvailable()),
                () -> context instanceof WebServerApplicationContext web && web.getWebServer() != null
                        ? web.getWebServer().getPort() : -1,
                () -> healthCheck(properties, health.getIfAvailable(), reactive.getIfAvailable(), groups.getIfAvailable()),
                smartStackDiscoveryMetrics);
    }

    @Bean
    @ConditionalOnEnabledHealthIndicator("smartstack")
    SmartStackHealthIndicator smartStackHealthIndicator(ZooKeeperConnection connection,
            ObjectProvider<SmartStackRegistration> registration, ObjectProvider<DiscoveryWatchers> watchers) {
        return new SmartStackHealthIndicator(connection, registration.getIfAvailable(), watchers.getIfAvailable());
    }

    private static HealthCheck healthCheck(SmartStackProperties properties, HealthContributorRegistry registry,
            ReactiveHealthContributorRegistry reactive, HealthEndpointGroups groups) {
        if (registry == null) {
            log.warn("smartstack: the Actuator health endpoint is off, so registration follows no health check");
            return HealthResult::ok;
        }
        StatusAggregator aggregator = groups == null ? StatusAggregator.getDefault()
                : groups.getPrimary().getStatusAggregator();
        return new ActuatorHealthCheck(registry, reactive, aggregator, Set.of(SmartStackHealthIndicator.NAME),
                properties.getRegistration().getCheckTimeout());
    }

    /**
     * The host to advertise when {@code smartstack.registration.host} is not set: {@code server.address}
     * when the web server listens on that one address (clients can reach it nowhere else), else the
     * first non-loopback address, as Spring Cloud advertises.
     */
    static String defaultHost(String serverAddress, InetUtils inetUtils) {
        if (serverAddress != null && !serverAddress.isBlank() && !isWildcard(serverAddress.strip())) {
            return serverAddress.strip();
        }
        if (inetUtils == null) {
            return "127.0.0.1";
        }
        return inetUtils.findFirstNonLoopbackHostInfo().getIpAddress();
    }

    private static boolean isWildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")
                || address.equals("0:0:0:0:0:0:0:0");
    }
}
