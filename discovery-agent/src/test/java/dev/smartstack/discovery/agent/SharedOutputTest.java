package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One output fed by several watchers: started and closed once, every port's updates forwarded. */
class SharedOutputTest {
    private static final class Recording implements SnapshotOutput {
        final List<String> calls = new ArrayList<>();

        @Override
        public void start(Set<String> services) {
            calls.add("start " + services);
        }

        @Override
        public void update(ServiceSnapshot snapshot) {
            calls.add("update " + snapshot.service() + " " + snapshot.backends().size());
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    private static ServiceSnapshot snapshot(String service, int backends) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < backends; i++) {
            list.add(ServiceInstance.of("i" + i, "127.0.0.1", 8000 + i));
        }
        return ServiceSnapshot.next(ServiceSnapshot.initial(service), list, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    @Test
    void ports_startAndCloseIgnored_targetStartedAndClosedOnceWithEveryService() {
        Recording target = new Recording();
        SharedOutput shared = new SharedOutput(target);
        SnapshotOutput p1 = shared.port();
        SnapshotOutput p2 = shared.port();
        shared.start(Set.of("web"));
        p1.start(Set.of("web"));
        p2.start(Set.of("api"));
        p1.update(snapshot("web", 2));
        p2.update(snapshot("api", 1));
        shared.deliver(snapshot("static", 3));
        p1.close();
        p2.close();
        shared.close();
        shared.close();
        assertThat(target.calls).containsExactly("start [web]", "update web 2", "update api 1", "update static 3", "close");
        assertThat(p1).hasToString(target.toString());
    }

    @Test
    void deliver_targetThrows_loggedNotPropagated() {
        SharedOutput shared = new SharedOutput(s -> {
            throw new IllegalStateException("disk full");
        });
        shared.deliver(snapshot("web", 1));
        SnapshotOutput port = shared.port();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> port.update(snapshot("web", 1)))
                .hasMessage("disk full"); // the watcher's output worker logs and counts it
    }
}
