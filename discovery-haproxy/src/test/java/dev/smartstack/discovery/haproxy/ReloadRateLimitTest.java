package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reload scheduling with an injected clock and an operator reload_command (run without a shell). */
class ReloadRateLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private HaproxyOutput output;
    private final Map<String, ServiceSnapshot> last = new HashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock();

    @AfterEach
    void close() {
        if (output != null) {
            output.close();
        }
    }

    private HaproxyOutput start(List<String> reloadCommand) {
        output = HaproxyOutput.builder().configFilePath(dir.resolve("haproxy.cfg")).haproxyPath("/usr/sbin/haproxy")
                .doSocket(false).reload(HaproxyReload.command(reloadCommand)).restartInterval(Duration.ofHours(1)).clock(clock)
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 1s", "timeout server 1s"))
                .service("one", HaproxyService.builder().backend(List.of("balance roundrobin")).build())
                .service("two", HaproxyService.builder().backend(List.of("balance roundrobin")).build())
                .listener(new HaproxyListener() {
                    @Override
                    public void reloaded(String reason) {
                        events.add("reloaded: " + reason);
                    }

                    @Override
                    public void reloadFailed(String error) {
                        events.add("failed: " + error);
                    }
                }).build();
        output.start();
        return output;
    }

    private void publish(String service, int... ports) {
        ServiceSnapshot prev = last.getOrDefault(service, ServiceSnapshot.initial(service));
        List<ServiceInstance> list = new java.util.ArrayList<>();
        for (int p : ports) {
            list.add(ServiceInstance.builder().name("n" + p).host("127.0.0.1").port(p).znodeName("n" + p + "_000000" + p).build());
        }
        ServiceSnapshot next = ServiceSnapshot.next(prev, list, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
        last.put(service, next);
        output.update(next);
    }

    private String config() throws IOException {
        Path f = dir.resolve("haproxy.cfg");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void update_withinRestartInterval_reloadWaitsForClockAndCoalesces() throws Exception {
        start(List.of("/bin/true"));
        publish("one", 1001);
        await().atMost(WAIT).until(() -> output.reloads() == 1);

        // no socket: every change needs a reload, but the interval (1 h on the injected clock) holds them
        publish("two", 2001);
        publish("one", 1001, 1002);
        publish("two", 2001, 2002);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n2002_127.0.0.1:2002"));
        assertThat(output.reloads()).isEqualTo(1);
        assertThat(output.reloadPending()).isTrue();

        clock.advance(Duration.ofMinutes(59));
        publish("one", 1001, 1002, 1003);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1003_127.0.0.1:1003"));
        assertThat(output.reloads()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        publish("one", 1001, 1002, 1003, 1004);
        await().atMost(WAIT).until(() -> output.reloads() == 2);
        assertThat(output.reloadPending()).isFalse();
        assertThat(events.get(1)).startsWith("reloaded: service 'two' appeared");
    }

    @Test
    void update_sameServerUnderNewZnodeWithoutSocket_noReloadAndSameConfig() throws Exception {
        start(List.of("/bin/true"));
        publish("one", 1001, 1002);
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1002_127.0.0.1:1002"));
        String before = config();
        clock.advance(Duration.ofHours(2)); // a reload asked for now would run at once

        // both Nerves registered again: new znodes (new keys), the same servers
        ServiceSnapshot prev = last.get("one");
        List<ServiceInstance> again = List.of(
                ServiceInstance.builder().name("n1001").host("127.0.0.1").port(1001).znodeName("n1001_0000000901").build(),
                ServiceInstance.builder().name("n1002").host("127.0.0.1").port(1002).znodeName("n1002_0000000902").build());
        ServiceSnapshot next = ServiceSnapshot.next(prev, again, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
        last.put("one", next);
        assertThat(next.removed()).hasSize(2);
        output.update(next);

        assertThat(output.renderConfig()).isEqualTo(before);
        assertThat(output.reloadPending()).isFalse();
        // a real change afterwards still applies to the servers under their new keys
        publish("one", 1002);
        await().atMost(WAIT).until(() -> output.reloads() == 2);
        assertThat(config()).doesNotContain("n1001_127.0.0.1:1001").contains("server n1002_127.0.0.1:1002 127.0.0.1:1002 id 2");
    }

    @Test
    void update_reloadCommandFails_reportedAndRetriedOnNextChange() throws Exception {
        Path flag = dir.resolve("flag");
        // "test -e flag" fails until the file exists; argv, no shell
        start(List.of("/usr/bin/test", "-e", flag.toString()));
        publish("one", 1001);
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e.startsWith("failed: reload_command exited with 1")));
        assertThat(output.reloads()).isZero();
        assertThat(output.failedReloads()).isEqualTo(1);
        assertThat(output.reloadPending()).isTrue();
        assertThat(output.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("reload failed: "));

        Files.createFile(flag);
        clock.advance(Duration.ofHours(2));
        publish("one", 1001, 1002);
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        assertThat(output.reloadPending()).isFalse();
    }

    @Test
    void update_afterFailedReload_retryWaitsForRestartInterval() throws Exception {
        Path flag = dir.resolve("flag");
        start(List.of("/usr/bin/test", "-e", flag.toString()));
        publish("one", 1001);
        await().atMost(WAIT).until(() -> output.failedReloads() == 1);

        // Changes within restart_interval of the failed attempt: before the fix each one ran the
        // failing reload_command again at once.
        publish("one", 1001, 1002);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1002_127.0.0.1:1002"));
        publish("one", 1001, 1002, 1003);
        // the pass that wrote 1002 has finished (one thread) once 1003 is written
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1003_127.0.0.1:1003"));
        assertThat(output.failedReloads()).isEqualTo(1);
        assertThat(output.reloadPending()).isTrue();

        Files.createFile(flag);
        clock.advance(Duration.ofMinutes(61));
        publish("one", 1001, 1002, 1003, 1004);
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        assertThat(output.failedReloads()).isEqualTo(1);
        assertThat(output.reloadPending()).isFalse();
    }

    @Test
    void update_statsSocketGivesNoAnswer_oneFailedCommandThenReloadNotOnePerServer() throws Exception {
        List<String> failed = new CopyOnWriteArrayList<>();
        output = HaproxyOutput.builder().configFilePath(dir.resolve("haproxy.cfg")).haproxyPath("/usr/sbin/haproxy")
                .socketFilePath(dir.resolve("nobody-listens.sock")).commandTimeout(Duration.ofSeconds(5))
                .reload(HaproxyReload.command(List.of("/bin/true"))).restartInterval(Duration.ofHours(1)).clock(clock)
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 1s", "timeout server 1s"))
                .service("one", HaproxyService.builder().backend(List.of("balance roundrobin")).build())
                .listener(new HaproxyListener() {
                    @Override
                    public void runtimeCommandFailed(String command, String response) {
                        failed.add(command + " -> " + response);
                    }
                }).build();
        output.start();
        publish("one", 1001);
        await().atMost(WAIT).until(() -> output.reloads() == 1);

        // five joins: before, each add server was tried (a hung socket costs command_timeout each,
        // with the lock held) and each reported
        publish("one", 1001, 1002, 1003, 1004, 1005, 1006);
        await().atMost(WAIT).until(() -> !failed.isEmpty());
        // one connection for the whole pass: one failure, not one per server
        assertThat(failed).singleElement().asString()
                .startsWith("add server one/n1002_127.0.0.1:1002 127.0.0.1:1002 id 2 (and 9 more) -> no answer: ");
        await().atMost(WAIT).until(output::reloadPending);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1006_127.0.0.1:1006"));
    }

    @Test
    void update_validationCouldNotRun_retriedNotRememberedAsInvalid() throws Exception {
        Path haproxy = dir.resolve("bin").resolve("haproxy");
        List<String> invalid = new CopyOnWriteArrayList<>();
        output = HaproxyOutput.builder().configFilePath(dir.resolve("haproxy.cfg")).haproxyPath(haproxy.toString())
                .doSocket(false).reload(HaproxyReload.command(List.of("/bin/true"))).restartInterval(Duration.ZERO)
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 1s", "timeout server 1s"))
                .service("one", HaproxyService.builder().backend(List.of("balance roundrobin")).build())
                .listener(new HaproxyListener() {
                    @Override
                    public void configInvalid(String errorText) {
                        invalid.add(errorText);
                    }
                }).build();
        output.start();
        publish("one", 1001);
        // haproxy -c cannot run (as when it times out on a loaded machine)
        await().atMost(WAIT).until(() -> output.lastError().orElse("").contains("could not be validated; retrying: haproxy -c could not run"));
        Files.createDirectories(haproxy.getParent());
        Files.createSymbolicLink(haproxy, Path.of("/usr/sbin/haproxy"));
        // before: the content was remembered as invalid and never checked again without a new change
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        assertThat(config()).contains("n1001_127.0.0.1:1001");
        assertThat(invalid).isEmpty();
    }

    @Test
    void update_newServiceWithNoBackends_writtenBeforeTheReload() throws Exception {
        start(List.of("/bin/true"));
        publish("one");
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        // before: nothing had changed in the (empty) server map, so the reload ran on a config
        // without the new service (here: no file at all) and marked its backend live
        assertThat(config()).contains("\nbackend one\n");
        publish("one", 1001);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config()).contains("n1001_127.0.0.1:1001"));
    }

    @Test
    void firstReload_noHaproxyRunningYet_serverStateNotAskedFor() throws IOException {
        // before: the save before the first reload asked a socket that no HAProxy had made yet, and
        // every start logged a WARN "server state could not be saved ... No such file or directory"
        dev.smartstack.discovery.core.CountingMetrics metrics = new dev.smartstack.discovery.core.CountingMetrics();
        output = HaproxyOutput.builder().configFilePath(dir.resolve("haproxy.cfg")).haproxyPath("/usr/sbin/haproxy")
                .socketFilePath(dir.resolve("haproxy.sock")).serverStateFilePath(dir.resolve("haproxy.state"))
                .reload(HaproxyReload.command(List.of("/bin/true"))).metrics(metrics)
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 1s", "timeout server 1s"))
                .service("one", HaproxyService.builder().backend(List.of("balance roundrobin")).build()).build();
        output.start();
        publish("one", 1001);
        await().atMost(WAIT).until(() -> output.reloads() == 1);
        assertThat(config()).contains("\nbackend one\n");
        assertThat(metrics.count(dev.smartstack.discovery.core.DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND)).isZero();
        assertThat(dir.resolve("haproxy.state")).doesNotExist();
    }

    @Test
    void reloadCommand_singleString_splitWithoutShell() {
        HaproxyOutput o = HaproxyOutput.builder().configFilePath(dir.resolve("x.cfg")).doSocket(false)
                .reload(HaproxyReload.commandLine("  systemctl   reload haproxy ")).build();
        assertThat(((HaproxyReload.Command) o.settingsForTest().reload()).argv())
                .containsExactly("systemctl", "reload", "haproxy");
    }

    private static final class MutableClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_000_000_000_000L);

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public long millis() {
            return millis.get();
        }
    }
}
