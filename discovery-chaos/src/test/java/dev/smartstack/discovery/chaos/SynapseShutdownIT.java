package dev.smartstack.discovery.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression for a defect that the chaos rig found in the old discovery-haproxy (fixed by the
 * reconciler's supervisor, which never restarts HAProxy once stopping and registers its hook once).
 *
 * <p>On SIGTERM the managed HAProxy's own JVM shutdown hook ({@code ManagedProcess}) kills HAProxy
 * while the daemon's hook is still closing the agent; HaproxyOutput sees the master exit, logs
 * "managed haproxy exited unexpectedly ... starting it again", starts a second HAProxy during the
 * shutdown, and {@code Runtime.addShutdownHook} throws "Shutdown in progress" with a stack trace.
 */
class SynapseShutdownIT {
    @TempDir
    Path dir;

    @Test
    void sigtermWithManagedHaproxy_haproxyStoppedOnce_noRestartNoStackTrace() {
        try (ZooKeeperProcess zk = ZooKeeperProcess.create().start();
                Rig rig = Rig.start(dir, zk.connectString(), zk.connectString(), 1, Duration.ofSeconds(6),
                        Duration.ofSeconds(120))) {
            int status = rig.synapse().terminate();
            String log = rig.synapse().log();
            assertThat(status).isEqualTo(143);
            assertThat(log).contains("INFO SynapseAgent - synapse stopped")
                    .doesNotContain("exited unexpectedly")
                    .doesNotContain("Exception");
        }
    }
}
