package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Admission by a snapshot's delta gives what admitting the whole snapshot gives: the same servers
 * (two znodes rendering one server stay one), the same refusals, each refusal reported once, and
 * ids that stay with their names. No HAProxy.
 */
class DesiredStateDeltaTest {
    private static final String SVC = "svc";
    private final Events events = new Events(DiscoveryMetrics.NOOP);

    private static DesiredState state() {
        return new DesiredState(new Admission(true, 1000, true, new RuntimeKeywords()),
                Map.of(SVC, HaproxyService.builder().serverOptions("check").build()));
    }

    /** A znode: a few names and ports so that znodes collide on a server name, some with refused options. */
    private static ServiceInstance znode(Random r, int seq) {
        int port = 8000 + r.nextInt(6);
        String name = "n" + r.nextInt(3);
        ServiceInstance.Builder b = ServiceInstance.builder().name(name).host("127.0.0." + (1 + r.nextInt(2)))
                .port(port).znodeName(name + "_" + String.format("%010d", seq));
        switch (r.nextInt(6)) {
            case 0 -> b.haproxyServerOptions("non-stick"); // refused: 'add server' does not take it
            case 1 -> b.weight(1 + r.nextInt(3));
            case 2 -> b.haproxyServerOptions("maxconn 10"); // same name, other options: refused as a duplicate
            default -> { }
        }
        return b.build();
    }

    @Test
    void intake_randomDeltas_sameServersAndRefusalsAsFullAdmission() {
        for (int seed = 0; seed < 40; seed++) {
            Random r = new Random(seed);
            DesiredState incremental = state();
            List<ServiceInstance> current = new ArrayList<>();
            ServiceSnapshot snap = ServiceSnapshot.initial(SVC);
            Map<String, Integer> idsSeen = new HashMap<>();
            int seq = 0;
            for (int step = 0; step < 60; step++) {
                int ops = 1 + r.nextInt(4);
                for (int o = 0; o < ops; o++) {
                    int what = current.isEmpty() ? 0 : r.nextInt(3);
                    if (what == 0) {
                        current.add(znode(r, seq++));
                    } else if (what == 1) {
                        current.remove(r.nextInt(current.size()));
                    } else {
                        int i = r.nextInt(current.size());
                        ServiceInstance old = current.get(i);
                        current.set(i, ServiceInstance.builder().name(old.name()).host(old.host()).port(old.port())
                                .weight(1 + r.nextInt(3)).znodeName(old.znodeName().orElseThrow()).build());
                    }
                }
                ServiceSnapshot next = ServiceSnapshot.next(snap, current, ServiceSnapshot.Source.ZOOKEEPER, true,
                        Instant.EPOCH);
                // every third step skips a version: the delta is then taken relative to the last one admitted
                if (step % 3 != 2) {
                    List<Runnable> reports = new ArrayList<>();
                    incremental.offer(next);
                    incremental.intake(be -> ServerIds.Held.NONE, why -> { }, reports::add, events);
                    DesiredState full = state();
                    full.offer(ServiceSnapshot.next(ServiceSnapshot.initial(SVC), current,
                            ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH));
                    full.intake(be -> ServerIds.Held.NONE, why -> { }, x -> { }, events);
                    DesiredService a = incremental.service(SVC);
                    DesiredService b = full.service(SVC);
                    assertThat(shapes(a)).as("seed %d step %d", seed, step).isEqualTo(shapes(b));
                    assertThat(a.refused).as("seed %d step %d", seed, step).isEqualTo(b.refused);
                    Set<Integer> ids = new HashSet<>();
                    for (ConfigRenderer.Server s : a.servers.values()) {
                        assertThat(ids.add(s.id())).as("id %d given twice", s.id()).isTrue();
                        Integer before = idsSeen.put(s.name(), s.id());
                        assertThat(before == null || before == s.id()).as("%s kept its id", s.name()).isTrue();
                    }
                    idsSeen.keySet().retainAll(a.servers.keySet());
                }
                snap = next;
            }
        }
    }

    @Test
    void intake_unchangedRefusedZnode_reportedOnce() {
        DesiredState st = state();
        ServiceInstance bad = ServiceInstance.builder().name("a").host("127.0.0.1").port(1)
                .haproxyServerOptions("non-stick").znodeName("a_0000000001").build();
        List<ServiceInstance> list = new ArrayList<>(List.of(bad));
        ServiceSnapshot s = ServiceSnapshot.next(ServiceSnapshot.initial(SVC), list, ServiceSnapshot.Source.ZOOKEEPER,
                true, Instant.EPOCH);
        List<Runnable> reports = new ArrayList<>();
        st.offer(s);
        st.intake(be -> ServerIds.Held.NONE, why -> { }, reports::add, events);
        for (int i = 2; i < 6; i++) {
            list.add(ServiceInstance.builder().name("b" + i).host("127.0.0.1").port(i).znodeName("b_000000000" + i)
                    .build());
            s = ServiceSnapshot.next(s, list, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
            st.offer(s);
            st.intake(be -> ServerIds.Held.NONE, why -> { }, reports::add, events);
        }
        assertThat(reports).hasSize(1);
        assertThat(st.service(SVC).servers).hasSize(4);
    }

    private static Map<String, String> shapes(DesiredService ds) {
        Map<String, String> out = new HashMap<>();
        for (ConfigRenderer.Server s : ds.servers.values()) {
            out.put(s.name(), s.key() + " " + s.address() + " " + s.weight() + " " + s.options());
        }
        return out;
    }
}
