package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When the reconciler kicks the install loop. No HAProxy, no socket. */
class ReconcilerKickTest {
    private final AtomicInteger kicks = new AtomicInteger();
    private Reconciler r;

    @AfterEach
    void close() {
        if (r != null) {
            r.close();
        }
    }

    private Reconciler reconciler() {
        Settings settings = HaproxyOutput.builder().doWrites(false).reload(HaproxyReload.none()).doSocket(false)
                .service("svc", HaproxyService.builder().port(3213).build()).build().settingsForTest();
        r = new Reconciler(settings, new Events(DiscoveryMetrics.NOOP), null, new RuntimeKeywords());
        r.onDesiredChange(kicks::incrementAndGet);
        r.begin();
        return r;
    }

    private static ServiceSnapshot snap(ServiceInstance... backends) {
        return ServiceSnapshot.next(ServiceSnapshot.initial("svc"), List.of(backends),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
    }

    @Test
    void intakeNow_snapshotTakenByRenderConfig_kicksTheInstallLoop() {
        Reconciler rec = reconciler();
        long before;
        synchronized (rec.lock) {
            before = rec.desired.version();
            rec.desired.offer(snap(ServiceInstance.builder().name("a").host("127.0.0.1").port(80)
                    .znodeName("a_0000000001").build()));
        }
        rec.intakeNow();
        synchronized (rec.lock) {
            assertThat(rec.desired.version()).isGreaterThan(before);
        }
        // before the fix the change taken here was never installed: the next pass saw no version change
        assertThat(kicks.get()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void configure_whileAReloadRuns_staysPendingAndKicksTheInstallLoop() {
        Reconciler rec = reconciler();
        rec.offer(snap(ServiceInstance.builder().name("a").host("127.0.0.1").port(80).znodeName("a_0000000001").build()));
        rec.intakeNow();
        synchronized (rec.lock) {
            rec.reloads.request("service 'svc' appeared");
            rec.reloadStarted(); // the install loop loads what it has installed so far
        }
        rec.configure("svc", HaproxyService.builder().port(3214).build()); // the agent's SIGHUP, meanwhile
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> kicks.get() >= 1);
        int before;
        synchronized (rec.lock) {
            before = kicks.get();
            rec.reloadFinished(true, java.util.Map.of());
            // before the fix succeeded() cleared the request: the new config was written but never loaded
            assertThat(rec.reloads.pending()).isTrue();
            assertThat(rec.reloads.reason()).contains("config of service 'svc' changed");
        }
        // the pass after the reload hands the pending reload to the install loop
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> kicks.get() > before);
    }
}
