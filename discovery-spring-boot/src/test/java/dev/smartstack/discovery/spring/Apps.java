package dev.smartstack.discovery.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/** Real Spring Boot applications for the tests: web servers on free loopback ports. */
final class Apps {
    private Apps() {
    }

    /** A service that answers {@code /hello} and whose health a test can turn DOWN. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Backend {
        @Bean
        Hello hello(org.springframework.core.env.Environment env) {
            return new Hello(env.getProperty("spring.application.name"));
        }

        @Bean
        Toggle toggleHealthIndicator() {
            return new Toggle();
        }
    }

    /** A client with nothing but a {@code @LoadBalanced} RestClient.Builder. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Frontend {
        @Bean
        @LoadBalanced
        RestClient.Builder loadBalanced() {
            return RestClient.builder();
        }
    }

    @RestController
    static final class Hello {
        private final String name;

        Hello(String name) {
            this.name = name;
        }

        @GetMapping("/hello")
        String hello() {
            return "hello from " + name;
        }
    }

    /** A health indicator the test switches: the application's own health. */
    static final class Toggle implements HealthIndicator {
        final AtomicBoolean up = new AtomicBoolean(true);

        @Override
        public Health health() {
            return up.get() ? Health.up().build() : Health.down().withDetail("why", "turned down by the test").build();
        }
    }

    /** Starts an application on a free loopback port; {@code properties} as key=value. */
    static ConfigurableApplicationContext start(Class<?> app, String name, String connectString, String... properties) {
        List<String> p = new ArrayList<>(List.of(
                "spring.application.name=" + name,
                "server.port=0",
                "server.address=127.0.0.1",
                "spring.main.banner-mode=off",
                "spring.cloud.zookeeper.enabled=false",
                "smartstack.zookeeper.connect-string=" + connectString,
                "smartstack.registration.host=127.0.0.1",
                "smartstack.registration.check-interval=100ms",
                "management.endpoint.health.show-details=always"));
        p.addAll(List.of(properties));
        return new SpringApplicationBuilder(app)
                .web(WebApplicationType.SERVLET)
                .properties(p.toArray(String[]::new))
                .run();
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
