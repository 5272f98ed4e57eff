package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MembershipDiffTest {
    private static ConfigRenderer.Server server(String key, String name, int id, Integer weight, String options) {
        return new ConfigRenderer.Server(key, name, "127.0.0.1:" + (1000 + id), id, name, weight, options);
    }

    private static Map<String, ConfigRenderer.Server> byName(ConfigRenderer.Server... servers) {
        Map<String, ConfigRenderer.Server> m = new LinkedHashMap<>();
        for (ConfigRenderer.Server s : servers) {
            m.put(s.name(), s);
        }
        return m;
    }

    @Test
    void of_joinsLeavesAndWeights_oneOperationEach() {
        ConfigRenderer.Server a = server("a_1", "a", 1, 10, "");
        ConfigRenderer.Server b = server("b_2", "b", 2, 10, "");
        ConfigRenderer.Server c = server("c_3", "c", 3, 10, "");
        MembershipDiff d = MembershipDiff.of(byName(server("a_1", "a", 1, 5, ""), c), byName(a, b), Map.of());
        assertThat(d.adds()).containsExactly(c);
        assertThat(d.removes()).containsExactly(b);
        assertThat(d.reweights()).extracting(ConfigRenderer.Server::weight).containsExactly(5);
        assertThat(d.revives()).isEmpty();
    }

    @Test
    void of_sameServerUnderNewZnode_nothingToDo() {
        // a Nerve registering again after session expiry: a new znode, the same server
        ConfigRenderer.Server old = server("a_0000000001", "a", 1, null, "check");
        ConfigRenderer.Server fresh = server("a_0000000099", "a", 1, null, "check");
        MembershipDiff d = MembershipDiff.of(byName(fresh), byName(old), Map.of());
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.deferred()).isEmpty();
    }

    @Test
    void of_rejoinWhileDraining_revivedNotAdded() {
        ConfigRenderer.Server s = server("s_1", "s", 1, null, "");
        MembershipDiff d = MembershipDiff.of(byName(server("s_2", "s", 1, null, "")), Map.of(), byName(s));
        assertThat(d.revives()).hasSize(1);
        assertThat(d.adds()).isEmpty();
    }

    @Test
    void of_optionsChangedForSameName_oldDrainsNewWaitsForItsDelete() {
        ConfigRenderer.Server old = server("s_1", "s", 1, null, "");
        ConfigRenderer.Server changed = server("s_1", "s", 1, null, "backup");
        MembershipDiff d = MembershipDiff.of(byName(changed), byName(old), Map.of());
        assertThat(d.removes()).containsExactly(old);
        assertThat(d.deferred()).containsExactly(changed);
        assertThat(d.adds()).isEmpty();
        // and while the old one still drains, the new one still waits
        MembershipDiff later = MembershipDiff.of(byName(changed), Map.of(), byName(old));
        assertThat(later.deferred()).containsExactly(changed);
        assertThat(later.isEmpty()).isTrue();
    }
}
