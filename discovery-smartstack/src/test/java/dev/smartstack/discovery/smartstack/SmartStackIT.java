package dev.smartstack.discovery.smartstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.HealthResult;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SmartStackIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TestingServer server;
    private static CuratorFramework observer;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        server = new TestingServer(true);
        observer = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        observer.start();
        observer.blockUntilConnected();
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        observer.close();
        server.close();
    }

    private static NerveService service(String name, String id, int port, AtomicBoolean healthy) {
        return NerveService.builder()
                .name(name).instanceId(id).host("127.0.0.1").port(port)
                .zkPath("/nerve/services/" + name + "/services")
                .checkInterval(Duration.ofMillis(100))
                .check(() -> healthy.get() ? HealthResult.ok() : HealthResult.unhealthy("test says no"))
                .build();
    }

    @Test
    void start_registerAndDiscover_providerSeesEveryHealthyInstance() {
        AtomicBoolean healthyA1 = new AtomicBoolean(true);
        AtomicBoolean healthyA2 = new AtomicBoolean(true);
        try (SmartStack a1 = SmartStack.builder().zooKeeper(server.getConnectString())
                        .register(service("svc_a", "a1", 9001, healthyA1)).build().start();
                SmartStack a2 = SmartStack.builder().zooKeeper(server.getConnectString())
                        .register(service("svc_a", "a2", 9002, healthyA2)).build().start();
                SmartStack b = SmartStack.builder().zooKeeper(server.getConnectString())
                        .discover("svc_a", "/nerve/services/svc_a/services").build().start()) {
            assertThat(b.awaitReady(WAIT)).isTrue();
            await().atMost(WAIT).untilAsserted(() -> assertThat(b.provider("svc_a").instances())
                    .extracting(ServiceInstance::name).containsExactlyInAnyOrder("a1", "a2"));
            assertThat(a1.nerve().orElseThrow().isRegistered("svc_a")).isTrue();
            assertThat(a2.nerve().orElseThrow().isRegistered("svc_a")).isTrue();

            healthyA1.set(false);
            await().atMost(WAIT).untilAsserted(() -> assertThat(b.provider("svc_a").instances())
                    .extracting(ServiceInstance::name).containsExactly("a2"));
            assertThat(b.provider("svc_a").next().port()).isEqualTo(9002);
        }
    }

    @Test
    void awaitReady_registeredBeforeStart_providerHasTheInstancesAtOnce() {
        try (SmartStack e1 = SmartStack.builder().zooKeeper(server.getConnectString())
                .register(service("svc_e", "e1", 9005, new AtomicBoolean(true))).build().start()) {
            await().atMost(WAIT).until(() -> e1.nerve().orElseThrow().isRegistered("svc_e"));
            for (int i = 0; i < 5; i++) {
                try (SmartStack b = SmartStack.builder().zooKeeper(server.getConnectString())
                        .discover("svc_e", "/nerve/services/svc_e/services").build().start()) {
                    assertThat(b.awaitReady(WAIT)).isTrue();
                    // No await: once awaitReady is true, the provider has taken the first snapshot.
                    assertThat(b.provider("svc_e").instances()).extracting(ServiceInstance::name).containsExactly("e1");
                }
            }
        }
    }

    @Test
    void close_registeredService_deregistersBeforeTheWatcherStopsAndLeavesCallersOutputAlone() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<SmartStack> self = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger updates = new java.util.concurrent.atomic.AtomicInteger();
        SmartStack stack = SmartStack.builder().zooKeeper(server.getConnectString())
                .register(service("svc_c", "c1", 9003, new AtomicBoolean(true)))
                .discover("svc_d", "/nerve/services/svc_d/services")
                .nerveListener(new NerveListener() {
                    @Override
                    public void deregistered(String service, String path) {
                        events.add("deregistered " + service + ", watcher "
                                + self.get().synapse().orElseThrow().state());
                    }
                })
                .output(snapshot -> updates.incrementAndGet()) // the caller's: started and closed by the caller
                .build();
        self.set(stack);
        stack.start();
        await().atMost(WAIT).until(() -> stack.nerve().orElseThrow().isRegistered("svc_c"));
        await().atMost(WAIT).until(() -> updates.get() > 0);
        assertThat(observer.getChildren().forPath("/nerve/services/svc_c/services")).hasSize(1);
        SynapseWatcher.State watching = stack.synapse().orElseThrow().state();

        stack.close();

        assertThat(observer.getChildren().forPath("/nerve/services/svc_c/services")).isEmpty();
        assertThat(events).containsExactly("deregistered svc_c, watcher " + watching);
        assertThat(stack.synapse().orElseThrow().state()).isEqualTo(SynapseWatcher.State.CLOSED);
        assertThat(stack.curator().getState()).isEqualTo(CuratorFrameworkState.STOPPED);
        stack.close(); // twice is harmless
    }

    @Test
    void close_callersClient_isLeftOpen() throws Exception {
        CuratorFramework mine = ZooKeeperSettings.of(server.getConnectString()).newClient();
        mine.start();
        try {
            SmartStack stack = SmartStack.builder().curator(mine)
                    .discover("svc_e", "/nerve/services/svc_e/services").build().start();
            assertThat(stack.awaitReady(WAIT)).isTrue();
            stack.close();
            assertThat(mine.getState()).isEqualTo(CuratorFrameworkState.STARTED);
            assertThat(mine.checkExists().forPath("/")).isNotNull();
        } finally {
            mine.close();
        }
    }

    @Test
    void start_twice_throws() {
        try (SmartStack stack = SmartStack.builder().zooKeeper(server.getConnectString())
                .discover("svc_f", "/nerve/services/svc_f/services").build()) {
            stack.start();
            assertThatThrownBy(stack::start).isInstanceOf(IllegalStateException.class)
                    .hasMessage("SmartStack cannot be started: it is STARTED");
        }
    }

    @Test
    void build_nothingToDo_namesWhatIsMissing() {
        assertThatThrownBy(() -> SmartStack.builder().zooKeeper("127.0.0.1:1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SmartStack needs at least one register(...) or discover(...)");
        assertThatThrownBy(() -> SmartStack.builder().discover("x", "/x").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SmartStack needs a ZooKeeper connection: set curator(client) or zooKeeper(settings)");
        assertThatThrownBy(() -> SmartStack.builder().zooKeeper("127.0.0.1:1").discover("x", "/x").build()
                .provider("y"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service 'y' is not discovered; discovered: [x]");
    }

    @Test
    void maintenance_takesTheRegistrationOutAndBack() {
        try (SmartStack stack = SmartStack.builder().zooKeeper(server.getConnectString())
                .register(service("svc_g", "g1", 9004, new AtomicBoolean(true))).build().start()) {
            await().atMost(WAIT).until(() -> stack.nerve().orElseThrow().isRegistered("svc_g"));
            stack.maintenance(true);
            await().atMost(WAIT).until(() -> !stack.nerve().orElseThrow().isRegistered("svc_g"));
            stack.maintenance(false);
            await().atMost(WAIT).until(() -> stack.nerve().orElseThrow().isRegistered("svc_g"));
        }
    }
}
