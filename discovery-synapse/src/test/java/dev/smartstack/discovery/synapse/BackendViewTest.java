package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The view's O(changes) snapshots against a plain model, without ZooKeeper. */
class BackendViewTest {
    private static BackendView view(WatchedService service) {
        SynapseWatcher owner = SynapseWatcher.builder().zooKeeper(ZooKeeperSettings.of("127.0.0.1:1")).service(service)
                .build();
        return new BackendView(service, new BackendDecoder(service, owner));
    }

    private static String child(int id) {
        return String.format(Locale.ROOT, "n%d_%010d", id, id);
    }

    @Test
    void randomBursts_snapshotsMatchTheModel_andDeltasAddUp() {
        WatchedService service = WatchedService.builder().name("web").path("/services/web").build();
        BackendView view = view(service);
        Random random = new Random(11);
        TreeMap<Integer, Integer> model = new TreeMap<>(); // id (= sequence) -> port, valid backends only
        RecordingOutput out = new RecordingOutput();
        ServiceSnapshot current = ServiceSnapshot.initial("web");
        for (int burst = 0; burst < 400; burst++) {
            int changes = 1 + random.nextInt(burst % 50 == 0 ? 300 : 5);
            for (int c = 0; c < changes; c++) {
                int id = random.nextInt(500);
                int op = random.nextInt(4);
                if (op == 0) {
                    view.remove(child(id));
                    model.remove(id);
                } else if (op == 1) {
                    view.put(child(id), Zk.utf8("{\"port\":0}"), burst, "/services/web/" + child(id)); // refused
                    model.remove(id);
                } else {
                    int port = 1 + random.nextInt(3);
                    view.put(child(id), Zk.nerve("n" + id, "127.0.0.1", port), burst, "/services/web/" + child(id));
                    model.put(id, port);
                }
            }
            ServiceSnapshot next = view.next(current, true, Instant.EPOCH);
            if (next != null) {
                current = next;
                out.snapshots.add(current);
            }
            if (model.isEmpty()) {
                assertThat(current.source()).isIn(ServiceSnapshot.Source.PREVIOUS, ServiceSnapshot.Source.ZOOKEEPER);
                continue;
            }
            List<String> expected = new ArrayList<>();
            model.forEach((id, port) -> expected.add(child(id) + ":" + port));
            List<String> actual = new ArrayList<>();
            for (ServiceInstance i : current.backends()) {
                actual.add(i.znodeName().orElseThrow() + ":" + i.port());
            }
            assertThat(actual).as("burst %d, snapshot %s", burst, next).containsExactlyElementsOf(expected);
            assertThat(current.source()).isEqualTo(ServiceSnapshot.Source.ZOOKEEPER);
        }
        out.assertDeltasConsistent("web");
        assertThat(view.backends()).isEqualTo(model.size());
    }

    @Test
    void leaderElection_onlyTheLowestSequence_andItsSuccessor() {
        WatchedService service = WatchedService.builder().name("web").path("/services/web").leaderElection(true).build();
        BackendView view = view(service);
        for (int id = 3; id <= 5; id++) {
            view.put(child(id), Zk.nerve("n" + id, "127.0.0.1", 8000 + id), 1, child(id));
        }
        ServiceSnapshot s = view.next(ServiceSnapshot.initial("web"), true, Instant.EPOCH);
        assertThat(s.backends()).extracting(ServiceInstance::port).containsExactly(8003);
        view.remove(child(3));
        s = view.next(s, true, Instant.EPOCH);
        assertThat(s.backends()).extracting(ServiceInstance::port).containsExactly(8004);
        assertThat(s.removed()).extracting(ServiceInstance::port).containsExactly(8003);
        assertThat(s.added()).extracting(ServiceInstance::port).containsExactly(8004);
    }

    @Test
    void unchangedData_noSnapshot_livenessChange_oneWithoutDelta() {
        WatchedService service = WatchedService.builder().name("web").path("/services/web").build();
        BackendView view = view(service);
        view.put(child(1), Zk.nerve("n1", "127.0.0.1", 8001), 1, child(1));
        ServiceSnapshot s = view.next(ServiceSnapshot.initial("web"), true, Instant.EPOCH);
        assertThat(view.put(child(1), Zk.nerve("n1", "127.0.0.1", 8001), 2, child(1))).isFalse();
        assertThat(view.next(s, true, Instant.EPOCH)).isNull();
        ServiceSnapshot stale = view.next(s, false, Instant.EPOCH);
        assertThat(stale.live()).isFalse();
        assertThat(stale.hasChanges()).isFalse();
        assertThat(stale.backends()).isSameAs(s.backends());
    }
}
