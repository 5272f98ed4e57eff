package dev.smartstack.discovery.synapse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SortedBackendsTest {
    private static ServiceInstance instance(int id, int port) {
        return ServiceInstance.builder().name("n" + id).host("127.0.0.1").port(port)
                .znodeName(String.format("n%d_%010d", id, id)).build();
    }

    @Test
    void randomInsertsReplacementsAndRemovals_matchAnOrderedMap_andStayBalanced() {
        Random random = new Random(7);
        TreeMap<ServiceInstance, ServiceInstance> model = new TreeMap<>(ServiceSnapshot.ORDER);
        SortedBackends list = SortedBackends.EMPTY;
        List<SortedBackends> history = new ArrayList<>();
        List<List<ServiceInstance>> historyModel = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            ServiceInstance i = instance(random.nextInt(2_000), 1 + random.nextInt(60_000));
            if (random.nextInt(3) == 0) {
                model.remove(i);
                list = list.without(i);
            } else {
                model.remove(i);
                model.put(i, i);
                list = list.with(i);
            }
            if (step % 2_000 == 0) {
                history.add(list);
                historyModel.add(List.copyOf(model.values()));
            }
        }
        assertThat(list).containsExactlyElementsOf(model.values());
        assertThat(list.size()).isEqualTo(model.size());
        for (int k = 0; k < list.size(); k += 97) {
            assertThat(list.get(k)).isEqualTo(new ArrayList<>(model.values()).get(k));
        }
        // AVL: height at most 1.44 log2(n + 2).
        assertThat(list.height()).isLessThanOrEqualTo((int) Math.ceil(1.45 * Math.log(list.size() + 2) / Math.log(2)));
        // Earlier versions are untouched by later changes.
        for (int h = 0; h < history.size(); h++) {
            assertThat(history.get(h)).containsExactlyElementsOf(historyModel.get(h));
        }
    }

    @Test
    void contains_comparesTheWholeInstance() {
        SortedBackends list = SortedBackends.EMPTY.with(instance(1, 8001)).with(instance(2, 8002));
        assertThat(list.contains(instance(1, 8001))).isTrue();
        assertThat(list.contains(instance(1, 9001))).isFalse();
        assertThat(list.contains("n1")).isFalse();
        assertThat(list.with(instance(1, 9001))).containsExactly(instance(1, 9001), instance(2, 8002));
    }

    @Test
    void emptyAndOutOfRange_behaveAsAList() {
        assertThat(SortedBackends.EMPTY).isEmpty();
        assertThat(SortedBackends.EMPTY.without(instance(1, 1))).isSameAs(SortedBackends.EMPTY);
        assertThat(SortedBackends.EMPTY.iterator().hasNext()).isFalse();
        assertThatThrownBy(() -> SortedBackends.EMPTY.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
        SortedBackends one = SortedBackends.EMPTY.with(instance(1, 1));
        assertThat(one).isEqualTo(List.of(instance(1, 1)));
        assertThat(one.hashCode()).isEqualTo(List.of(instance(1, 1)).hashCode());
        assertThatThrownBy(() -> one.add(instance(2, 2))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void snapshot_keepsTheTreeWithoutCopying() {
        SortedBackends list = SortedBackends.EMPTY.with(instance(1, 1));
        ServiceSnapshot s = new ServiceSnapshot("web", 1, list, List.of(), List.of(), List.of(),
                ServiceSnapshot.Source.ZOOKEEPER, true, java.time.Instant.EPOCH);
        assertThat(s.backends()).isSameAs(list);
    }
    @Test
    void diff_randomVersionsOfOneLineage_sameAsComparingByKey_andSharedSubtreesSkipped() {
        Random random = new Random(3);
        SortedBackends list = SortedBackends.EMPTY;
        for (int i = 0; i < 5_000; i++) {
            list = list.with(instance(i * 2, 1));
        }
        List<SortedBackends> versions = new ArrayList<>(List.of(list));
        for (int step = 0; step < 300; step++) {
            int changes = 1 + random.nextInt(step % 30 == 0 ? 400 : 4);
            for (int c = 0; c < changes; c++) {
                ServiceInstance i = instance(random.nextInt(10_000), 1 + random.nextInt(3));
                list = random.nextBoolean() ? list.with(i) : list.without(i);
            }
            versions.add(list);
        }
        for (int k = 0; k < 200; k++) {
            SortedBackends before = versions.get(random.nextInt(versions.size()));
            SortedBackends after = versions.get(random.nextInt(versions.size()));
            ServiceSnapshot earlier = new ServiceSnapshot("web", 1, List.copyOf(before), List.of(), List.of(), List.of(),
                    ServiceSnapshot.Source.ZOOKEEPER, true, java.time.Instant.EPOCH);
            ServiceSnapshot byKey = new ServiceSnapshot("web", 2, List.copyOf(after), List.of(), List.of(), List.of(),
                    ServiceSnapshot.Source.ZOOKEEPER, true, java.time.Instant.EPOCH).relativeTo(earlier);
            SortedBackends.Diff d = SortedBackends.diff(before, after);
            assertThat(d.added()).isEqualTo(byKey.added());
            assertThat(d.removed()).isEqualTo(byKey.removed());
            assertThat(d.changed()).isEqualTo(byKey.changed());
        }
        // A single change among 5,000: the walk skips the shared subtrees.
        SortedBackends big = versions.get(0);
        SortedBackends one = big.with(instance(1, 7));
        SortedBackends.Diff d = SortedBackends.diff(big, one);
        assertThat(d.added()).containsExactly(instance(1, 7));
        assertThat(d.removed()).isEmpty();
        assertThat(d.changed()).isEmpty();
        assertThat(d.opened()).as("subtrees opened for one change among 5,000").isLessThan(8 * big.height());
        assertThat(SortedBackends.diff(SortedBackends.EMPTY, big).opened()).isGreaterThanOrEqualTo(5_000);
    }
}
