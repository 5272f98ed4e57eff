package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.FileOutput;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one rule for what outputs receive: every output gets every backend the watcher accepted;
 * {@code haproxy_server_options} is a hint for HAProxy, checked by the HAProxy output alone, which
 * refuses (and reports) a backend whose options it cannot render. file_output lists it as registered.
 */
class OutputAdmissionRuleTest {
    @TempDir
    Path dir;

    @Test
    void update_optionsHaproxyRefuses_fileOutputListsItHaproxyOutputRefusesAndReports() throws Exception {
        List<String> refused = new CopyOnWriteArrayList<>();
        HaproxyOutput haproxy = HaproxyOutput.builder().doWrites(false).doSocket(false).reload(HaproxyReload.none())
                .service("web", HaproxyService.builder().build())
                .listener(new HaproxyListener() {
                    @Override
                    public void backendRefused(String service, ServiceInstance instance, String reason) {
                        refused.add(instance.name() + ": " + reason);
                    }
                }).build().start();
        FileOutput file = FileOutput.builder().directory(dir).build().start(Set.of("web"));
        ServiceSnapshot s = ServiceSnapshot.next(ServiceSnapshot.initial("web"), List.of(
                ServiceInstance.builder().name("good").host("127.0.0.1").port(80).znodeName("good_0000000001").build(),
                ServiceInstance.builder().name("odd").host("127.0.0.1").port(81).znodeName("odd_0000000002")
                        .haproxyServerOptions("id 7").build()),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH);
        try {
            file.update(s);
            haproxy.update(s);
            String json = Files.readString(file.fileOf("web"));
            assertThat(json).contains("\"good\"", "\"odd\"", "\"id 7\"");
            assertThat(haproxy.renderConfig()).contains("server good_127.0.0.1:80 ").doesNotContain("odd");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(refused)
                    .containsExactly("odd: haproxy_server_options keyword \"id\" is not allowed"));
        } finally {
            haproxy.close();
        }
    }
}
