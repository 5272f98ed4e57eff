package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Admission and server ids, without HAProxy. */
class AdmissionTest {
    private final RuntimeKeywords keywords = new RuntimeKeywords();
    private final Admission runtime = new Admission(true, 10, true, keywords);

    private static ServiceInstance inst(String name, int port, String znode, String options) {
        ServiceInstance.Builder b = ServiceInstance.builder().name(name).host("127.0.0.1").port(port).znodeName(znode);
        return (options == null ? b : b.haproxyServerOptions(options)).build();
    }

    @Test
    void admit_twoZnodesRenderingOneServer_oneServerNoRefusal() {
        DesiredService ds = new DesiredService("svc", HaproxyService.builder().build());
        Admission.Result r = runtime.admit(ds, List.of(inst("a", 80, "a_0000000001", null), inst("a", 80, "a_0000000002", null)),
                Map.of());
        assertThat(r.servers()).containsOnlyKeys("a_127.0.0.1:80");
        assertThat(r.servers().get("a_127.0.0.1:80").key()).isEqualTo("a_0000000001");
        assertThat(r.refusals()).isEmpty();
    }

    @Test
    void admit_sameNameOtherOptions_laterRefused() {
        DesiredService ds = new DesiredService("svc", HaproxyService.builder().build());
        Admission.Result r = runtime.admit(ds, List.of(inst("a", 80, "a_0000000001", null),
                inst("a", 80, "a_0000000002", "backup")), Map.of());
        assertThat(r.servers()).hasSize(1);
        assertThat(r.refusals()).singleElement().extracting(Admission.Refusal::reason)
                .isEqualTo("server a_127.0.0.1:80 is already registered by znode a_0000000001 with another address or options");
    }

    @Test
    void admit_keywordAddServerRefuses_refusedForThisBackendOnly() {
        // before: non-stick and no-check passed the whitelist, add server refused them, and every
        // such join cost every backend a reload
        DesiredService ds = new DesiredService("svc", HaproxyService.builder().build());
        Admission.Result r = runtime.admit(ds, List.of(inst("a", 80, "a_1", "non-stick"), inst("b", 81, "b_2", "check"),
                inst("c", 82, "c_3", "no-check")), Map.of());
        assertThat(r.servers()).containsOnlyKeys("b_127.0.0.1:81");
        assertThat(r.refusals()).extracting(Admission.Refusal::reason).containsExactly(
                "haproxy_server_options keyword 'non-stick' is not accepted by this HAProxy's 'add server' (it would cost every backend a reload)",
                "haproxy_server_options keyword 'no-check' is not accepted by this HAProxy's 'add server' (it would cost every backend a reload)");
        // without the runtime API there is nothing to protect: the file takes them
        Admission fileOnly = new Admission(true, 10, false, keywords);
        DesiredService ds2 = new DesiredService("svc", HaproxyService.builder().build());
        assertThat(fileOnly.admit(ds2, List.of(inst("a", 80, "a_1", "non-stick")), Map.of()).servers()).hasSize(1);
    }

    @Test
    void admit_learnedKeyword_refusedFromThenOn() {
        DesiredService ds = new DesiredService("svc", HaproxyService.builder().build());
        assertThat(runtime.admit(ds, List.of(inst("a", 80, "a_1", "slowstart 1s")), Map.of()).servers()).hasSize(1);
        keywords.learn("slowstart");
        assertThat(runtime.admit(ds, List.of(inst("a", 80, "a_1", "slowstart 1s")), Map.of()).servers()).isEmpty();
    }

    @Test
    void ids_byNameStableAndNotReusedWhileHaproxyHoldsThem() {
        ServerIds ids = new ServerIds();
        assertThat(ids.idFor("a", 3, Map.of())).isEqualTo(1);
        assertThat(ids.idFor("b", 3, Map.of())).isEqualTo(2);
        ids.retain(java.util.Set.of("b"));
        // a left but still drains in HAProxy with id 1: c may not take it
        assertThat(ids.idFor("c", 3, Map.of("a", 1))).isEqualTo(3);
        // a re-registered under a new znode: same name, so the id HAProxy holds
        assertThat(ids.idFor("a", 3, Map.of("a", 1))).isEqualTo(1);
        assertThat(ids.idFor("d", 3, Map.of())).isNull();
        ids.retain(java.util.Set.of("a", "b"));
        assertThat(ids.idFor("d", 3, Map.of())).isEqualTo(3);
    }
}
