package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** An output that records what it is given, and can be told to block. */
final class RecordingOutput implements SnapshotOutput {
    final List<ServiceSnapshot> snapshots = new CopyOnWriteArrayList<>();
    final List<String> threadNames = new CopyOnWriteArrayList<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile CountDownLatch gate;

    @Override
    public void update(ServiceSnapshot snapshot) {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        calls.add("update");
        snapshots.add(snapshot);
        threadNames.add(Thread.currentThread().getName());
    }

    List<ServiceSnapshot> of(String service) {
        return snapshots.stream().filter(s -> s.service().equals(service)).collect(Collectors.toList());
    }

    ServiceSnapshot last(String service) {
        List<ServiceSnapshot> l = of(service);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    Set<String> lastHosts(String service) {
        ServiceSnapshot s = last(service);
        return s == null ? Set.of() : hostsPorts(s.backends());
    }

    static Set<String> hostsPorts(List<ServiceInstance> instances) {
        Set<String> out = new HashSet<>();
        for (ServiceInstance i : instances) {
            out.add(i.address());
        }
        return out;
    }

    /**
     * Checks that versions grow and that applying each delta to the backends seen before gives
     * the backends seen now.
     */
    void assertDeltasConsistent(String service) {
        Map<String, ServiceInstance> set = new HashMap<>();
        long version = 0;
        for (ServiceSnapshot s : of(service)) {
            assertThat(s.version()).as("version after %s", version).isGreaterThan(version);
            version = s.version();
            for (ServiceInstance r : s.removed()) {
                assertThat(set.remove(r.key())).as("removed %s was present", r.key()).isNotNull();
            }
            for (ServiceInstance a : s.added()) {
                assertThat(set.put(a.key(), a)).as("added %s was absent", a.key()).isNull();
            }
            for (ServiceInstance c : s.changed()) {
                assertThat(set.put(c.key(), c)).as("changed %s was present", c.key()).isNotNull();
            }
            Map<String, ServiceInstance> expected = new HashMap<>();
            for (ServiceInstance b : s.backends()) {
                expected.put(b.key(), b);
            }
            assertThat(set).as("backends of %s", s).isEqualTo(expected);
            List<ServiceInstance> sorted = new ArrayList<>(s.backends());
            sorted.sort(ServiceSnapshot.ORDER);
            assertThat(s.backends()).isEqualTo(sorted);
        }
    }
}
