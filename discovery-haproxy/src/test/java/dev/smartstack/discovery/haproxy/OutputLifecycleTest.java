package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What update() does before start() and after close(). No HAProxy. */
class OutputLifecycleTest {
    private static ServiceSnapshot snap(String name) {
        return ServiceSnapshot.next(ServiceSnapshot.initial("svc"),
                List.of(ServiceInstance.builder().name(name).host("127.0.0.1").port(80).znodeName(name + "_0000000001")
                        .build()), ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    @Test
    void update_beforeStart_isQueuedIntoTheFirstConfig() {
        try (HaproxyOutput o = HaproxyOutput.builder().doWrites(false).reload(HaproxyReload.none()).doSocket(false)
                .service("svc", HaproxyService.builder().port(3213).build()).build()) {
            o.update(snap("early")); // before, dropped for good with a warning
            o.start();
            assertThat(o.renderConfig()).contains("server early_127.0.0.1:80 127.0.0.1:80");
        }
    }

    @Test
    void update_afterClose_isIgnored() {
        HaproxyOutput o = HaproxyOutput.builder().doWrites(false).reload(HaproxyReload.none()).doSocket(false)
                .service("svc", HaproxyService.builder().port(3213).build()).build().start();
        o.close();
        o.update(snap("late"));
        assertThat(o.renderConfig()).doesNotContain("late");
    }
}
