package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adding and removing services at run time, with {@code base} services (no network): the
 * membership, the exact errors, the outputs and the state. The ZooKeeper side is in
 * {@link DynamicServicesIT}.
 */
class DynamicServicesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static WatchedService base(String name, int port) {
        return WatchedService.builder().name(name).base()
                .defaultServers(List.of(ServiceInstance.of(name, "127.0.0.1", port))).build();
    }

    @Test
    void addService_base_isPublishedAndListed() {
        RecordingOutput out = new RecordingOutput();
        try (SynapseWatcher w = SynapseWatcher.builder().service(base("db", 5432)).output(out).build().start()) {
            assertThat(w.awaitInitialized(WAIT)).isTrue();
            w.addService(base("cache", 6379));
            assertThat(w.awaitInitialized("cache", WAIT)).isTrue();
            assertThat(w.snapshot("cache").backends()).extracting(ServiceInstance::port).containsExactly(6379);
            assertThat(w.services()).containsExactly("db", "cache");
            await().atMost(WAIT).until(() -> out.last("cache") != null);
            assertThat(w.state()).isEqualTo(SynapseWatcher.State.LIVE);
        }
    }

    @Test
    void removeService_unknownAfterwards_noMoreSnapshots() {
        RecordingOutput out = new RecordingOutput();
        try (SynapseWatcher w = SynapseWatcher.builder().service(base("db", 5432)).service(base("cache", 6379))
                .output(out).build().start()) {
            assertThat(w.awaitInitialized(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> out.last("cache") != null);
            int seen = out.of("cache").size();
            w.removeService("cache");
            assertThat(w.services()).containsExactly("db");
            assertThatThrownBy(() -> w.snapshot("cache")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("service \"cache\" is not watched; watched services are [db]");
            assertThatThrownBy(() -> w.awaitInitialized("cache", WAIT)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("service \"cache\" is not watched; watched services are [db]");
            assertThat(out.of("cache")).hasSize(seen);
            // The name can be watched again, from scratch.
            w.addService(base("cache", 6380));
            assertThat(w.awaitInitialized("cache", WAIT)).isTrue();
            assertThat(w.snapshot("cache").backends()).extracting(ServiceInstance::port).containsExactly(6380);
            assertThat(w.snapshot("cache").version()).isEqualTo(1);
        }
    }

    @Test
    void awaitInitialized_builderServiceRemovedBeforeItsFirstSnapshot_noLongerWaitedFor() {
        WatchedService never = WatchedService.builder().name("zk").path("/never").build();
        // A ZooKeeper service on an unreachable server never gets a snapshot; removing it releases the wait.
        try (SynapseWatcher w = SynapseWatcher.builder()
                .zooKeeper(dev.smartstack.discovery.core.ZooKeeperSettings.of("127.0.0.1:1"))
                .service(base("db", 5432)).service(never).build().start()) {
            assertThat(w.awaitInitialized("db", WAIT)).isTrue();
            assertThat(w.awaitInitialized(Duration.ZERO)).isFalse();
            w.removeService("zk");
            assertThat(w.awaitInitialized(WAIT)).isTrue();
        }
    }

    @Test
    void addAndRemove_callerMistakes_exactMessages() {
        SynapseWatcher w = SynapseWatcher.builder().service(base("db", 5432)).build();
        assertThatThrownBy(() -> w.addService(base("cache", 1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("SynapseWatcher cannot add service \"cache\": it is LATENT");
        w.start();
        assertThatThrownBy(() -> w.addService(base("db", 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service \"db\" is already watched");
        assertThatThrownBy(() -> w.removeService("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service \"nope\" is not watched; watched services are [db]");
        assertThatThrownBy(() -> w.addService(null)).hasMessage("service == null");
        assertThatThrownBy(() -> w.addService(WatchedService.builder().name("web").path("/web").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("SynapseWatcher cannot add service \"web\": it is discovered in ZooKeeper and this watcher"
                        + " has no ZooKeeper connection (none of its builder services used one)");
        assertThat(w.services()).containsExactly("db");
        w.close();
        assertThatThrownBy(() -> w.addService(base("cache", 1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("SynapseWatcher cannot add service \"cache\": it is CLOSED");
        assertThatThrownBy(() -> w.removeService("db")).isInstanceOf(IllegalStateException.class)
                .hasMessage("SynapseWatcher cannot remove service \"db\": it is CLOSED");
    }
}
