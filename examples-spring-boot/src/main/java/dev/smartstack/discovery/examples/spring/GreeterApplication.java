package dev.smartstack.discovery.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A Spring Boot application with the SmartStack starter and nothing else about discovery: it
 * registers itself (see {@code application.properties}) and calls other services by name through
 * a {@code @LoadBalanced} client. Start two, under different names, and let one greet the other:
 *
 * <pre>
 * java ... GreeterApplication --spring.application.name=alpha --server.port=8081
 * java ... GreeterApplication --spring.application.name=beta  --server.port=8082
 * curl http://127.0.0.1:8081/greet/beta     # alpha says: hello from beta
 * </pre>
 */
@SpringBootApplication
public class GreeterApplication {
    public static void main(String[] args) {
        SpringApplication.run(GreeterApplication.class, args);
    }

    @Bean
    @LoadBalanced
    RestClient.Builder loadBalanced() {
        return RestClient.builder();
    }

    @RestController
    static class Greeter {
        private final String name;
        private final RestClient services;

        Greeter(Environment env, RestClient.Builder loadBalanced) {
            this.name = env.getProperty("spring.application.name");
            this.services = loadBalanced.build();
        }

        @GetMapping("/hello")
        String hello() {
            return "hello from " + name;
        }

        /** Calls {@code service}'s {@code /hello}: the host name is the service name. */
        @GetMapping("/greet/{service}")
        String greet(@PathVariable String service) {
            return name + " says: " + services.get().uri("http://{service}/hello", service).retrieve().body(String.class);
        }
    }
}
