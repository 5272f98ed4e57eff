package dev.smartstack.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZnodeDecoder;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The starter in real Spring Boot applications on loopback, against a real ZooKeeper: a backend
 * registers itself while its Actuator health is UP, a frontend calls it through a
 * {@code @LoadBalanced} client with no other code, and the backend deregisters and drains before
 * its web server stops.
 */
class SmartStackStarterIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BACKEND_PATH = "/nerve/services/backend/services";

    private TestingServer zk;
    private CuratorFramework client;
    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        apps.forEach(ConfigurableApplicationContext::close);
        client.close();
        zk.close();
    }

    @Test
    void backendAndFrontend_registerWhileUp_callThroughLoadBalanced_deregisterBeforeTheWebServerStops()
            throws Exception {
        ConfigurableApplicationContext backend = app(Apps.Backend.class, "backend",
                "smartstack.registration.drain-delay=4s");
        int backendPort = Apps.port(backend);

        // Registered in Nerve's format with the web server's port, once health is UP.
        await().atMost(WAIT).until(() -> registrations().size() == 1);
        assertThat(registrations().get(0).host()).isEqualTo("127.0.0.1");
        assertThat(registrations().get(0).port()).isEqualTo(backendPort);

        ConfigurableApplicationContext frontend = app(Apps.Frontend.class, "frontend",
                "smartstack.registration.enabled=false");
        RestClient lb = frontend.getBean(RestClient.Builder.class).build();
        assertThat(lb.get().uri("http://backend/hello").retrieve().body(String.class)).isEqualTo("hello from backend");
        assertThat(frontend.getBean(SmartStackReactiveDiscoveryClient.class).getInstances("backend").collectList()
                .block(WAIT)).extracting(i -> i.getPort()).containsExactly(backendPort);

        // Metrics in each application's own registry.
        MeterRegistry frontendMeters = frontend.getBean(MeterRegistry.class);
        assertThat(frontendMeters.get(DiscoveryWatchers.INSTANCES_GAUGE).tag("service", "backend").gauge().value())
                .isEqualTo(1.0);
        assertThat(backend.getBean(MeterRegistry.class).get("smartstack.nerve.registered").tag("service", "backend")
                .counter().count()).isGreaterThanOrEqualTo(1.0);

        // The health indicator, read over HTTP as an operator would.
        JsonNode health = getJson(Apps.port(frontend), "/actuator/health");
        assertThat(health.at("/components/smartStack/status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/smartStack/details/discovery/backend/state").asText()).isEqualTo("LIVE");
        JsonNode backendHealth = getJson(backendPort, "/actuator/health");
        assertThat(backendHealth.at("/components/smartStack/details/registration/registered").asBoolean()).isTrue();

        // The application's health goes DOWN: it leaves rotation; UP again: it is back.
        Apps.Toggle toggle = backend.getBean(Apps.Toggle.class);
        DiscoveryClient discovery = frontend.getBean(DiscoveryClient.class);
        toggle.up.set(false);
        await().atMost(WAIT).until(() -> registrations().isEmpty());
        await().atMost(WAIT).until(() -> discovery.getInstances("backend").isEmpty());
        toggle.up.set(true);
        await().atMost(WAIT).until(() -> registrations().size() == 1);
        await().atMost(WAIT).until(() -> discovery.getInstances("backend").size() == 1);

        // Shutdown: the znode goes first; during the drain the web server still answers.
        CompletableFuture<Void> closing = CompletableFuture.runAsync(backend::close);
        await().atMost(WAIT).until(() -> registrations().isEmpty());
        assertThat(closing).isNotDone();
        assertThat(get(backendPort, "/hello").body()).isEqualTo("hello from backend");
        closing.get();
        apps.remove(backend);
        await().atMost(WAIT).until(() -> discovery.getInstances("backend").isEmpty());
    }

    /**
     * Spring Cloud Zookeeper to SmartStack: the znodes Spring Cloud Zookeeper writes (Curator
     * x-discovery JSON with its ZookeeperInstance payload, under /services/<name>) are read with the
     * curator decoder, and an instance it marks OUT_OF_SERVICE through its ServiceRegistry is not
     * routed to. (The other way does not work: Spring Cloud Zookeeper reads only Curator's JSON,
     * and SmartStack registers in Nerve's format.)
     */
    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void springCloudZookeeperApplication_isCalledThroughLoadBalanced_untilItIsOutOfService() {
        ConfigurableApplicationContext zkApp = app(Apps.Backend.class, "zk-app",
                "smartstack.enabled=false",
                "spring.cloud.zookeeper.enabled=true",
                "spring.cloud.zookeeper.connect-string=" + zk.getConnectString(),
                "spring.cloud.zookeeper.discovery.instance-host=127.0.0.1");
        ConfigurableApplicationContext frontend = app(Apps.Frontend.class, "frontend",
                "smartstack.registration.enabled=false",
                "smartstack.discovery.services.zk-app.path=/services/zk-app",
                "smartstack.discovery.services.zk-app.decode=curator");
        DiscoveryClient discovery = frontend.getBean(DiscoveryClient.class);
        await().atMost(WAIT).until(() -> discovery.getInstances("zk-app").size() == 1);
        assertThat(discovery.getInstances("zk-app").get(0).getPort()).isEqualTo(Apps.port(zkApp));
        RestClient lb = frontend.getBean(RestClient.Builder.class).build();
        assertThat(lb.get().uri("http://zk-app/hello").retrieve().body(String.class)).isEqualTo("hello from zk-app");

        ServiceRegistry registry = zkApp.getBean(ServiceRegistry.class);
        Registration registration = zkApp.getBean(Registration.class);
        registry.setStatus(registration, "OUT_OF_SERVICE");
        await().atMost(WAIT).until(() -> discovery.getInstances("zk-app").isEmpty());
        assertThatThrownBy(() -> lb.get().uri("http://zk-app/hello").retrieve().body(String.class))
                .hasMessageContaining("zk-app");

        registry.setStatus(registration, "UP");
        await().atMost(WAIT).until(() -> discovery.getInstances("zk-app").size() == 1);
        assertThat(lb.get().uri("http://zk-app/hello").retrieve().body(String.class)).isEqualTo("hello from zk-app");
    }

    private ConfigurableApplicationContext app(Class<?> app, String name, String... properties) {
        ConfigurableApplicationContext c = Apps.start(app, name, zk.getConnectString(), properties);
        apps.add(c);
        return c;
    }

    private List<ServiceInstance> registrations() throws Exception {
        List<ServiceInstance> out = new ArrayList<>();
        try {
            for (String child : client.getChildren().forPath(BACKEND_PATH)) {
                byte[] data = client.getData().forPath(BACKEND_PATH + "/" + child);
                ZnodeDecoder.nerve().decode(child, data).ifPresent(out::add);
            }
        } catch (KeeperException.NoNodeException e) {
            return out;
        }
        return out;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(int port, String path) throws Exception {
        return new ObjectMapper().readTree(get(port, path).body());
    }
}
