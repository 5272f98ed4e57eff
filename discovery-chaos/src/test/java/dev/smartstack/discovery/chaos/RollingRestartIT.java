package dev.smartstack.discovery.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The rolling restart at CI size (a few thousand requests): three backends, each with its own
 * {@code smartstack nerve} process, one {@code smartstack synapse} with a managed HAProxy, each
 * backend restarted in turn as an operator would. Not one request may fail. The long run (100,000
 * requests) is {@code scripts/bench RollingRestartHarness}; see docs/reliability.md.
 */
class RollingRestartIT {
    private static final Report report = RollingRestart.report();

    /**
     * Kept after the run (agent logs, haproxy.cfg and its log) in target/, for a look at what the
     * figures came from; short names, since a unix socket path has at most 107 bytes.
     */
    private static Path dir(String name) throws java.io.IOException {
        Path dir = Path.of("target", name);
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir).toAbsolutePath();
    }

    @AfterAll
    static void print() {
        System.out.println(report.table());
    }

    @Test
    void rollingRestartUnderLoad_noFailedRequest_everyBackendServedAgain() throws Exception {
        try (ZooKeeperProcess zk = ZooKeeperProcess.create().start()) {
            RollingRestart.Result r = RollingRestart.run(dir("rolling"), zk, RollingRestart.Options.ci(false));
            RollingRestart.addTo(report, "CI, no outage", r);
            System.out.println(r.log());
            assertThat(r.counts().failed()).as("failed requests: %s", r.failures()).isZero();
            assertThat(r.counts().toFailing()).isZero();
            assertThat(r.restarts()).isGreaterThanOrEqualTo(3);
            assertThat(r.counts().ok()).isPositive();
        }
    }

    @Test
    void rollingRestartWithZooKeeperOutageAndOneFailingBackend_noFailedRequestToAHealthyBackend() throws Exception {
        try (ZooKeeperProcess zk = ZooKeeperProcess.create().start()) {
            RollingRestart.Result r = RollingRestart.run(dir("rolling-zk"), zk, RollingRestart.Options.ci(true));
            RollingRestart.addTo(report, "CI, ZooKeeper outage, one backend fails during it", r);
            System.out.println(r.log());
            assertThat(r.counts().failed()).as("failed requests to healthy backends: %s", r.failures()).isZero();
            // The backend really failed and HAProxy sent it traffic while ZooKeeper was away (nothing could
            // tell HAProxy otherwise: no HAProxy health check is configured), and it was dropped after.
            assertThat(r.counts().toFailing()).isPositive();
            assertThat(r.failingServedAfterZooKeeperSeconds()).isPresent();
            assertThat(r.restarts()).isGreaterThanOrEqualTo(3);
        }
    }
}
