package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyOutputBuilder;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.ZnodeDataWatch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How settings from a znode combine with the config file's section, as Ruby Synapse combines them:
 * the znode's replace the file's whole, data without settings keeps what applies, refused data
 * changes nothing. The real HaproxyOutput renders; no ZooKeeper is needed for the data's effect.
 */
class GeneratorConfigsTest {
    private static final String ZNODE = "/nerve/services/web/services";

    @TempDir
    Path dir;

    private final CountingMetrics metrics = new CountingMetrics();
    private HaproxyOutput output;

    @AfterEach
    void close() {
        if (output != null) {
            output.close();
        }
    }

    private GeneratorConfigs configs(String services) throws IOException {
        return configs(services, false);
    }

    private GeneratorConfigs configs(String services, boolean writes) throws IOException {
        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, "{\"haproxy\": {\"global\": [], \"defaults\": [], \"do_writes\": false, \"do_reloads\": false,"
                + " \"do_socket\": false}, \"services\": " + services + "}");
        SynapseConfig config = SynapseConfig.load(file, "f", Map.of());
        HaproxyOutputBuilder b = HaproxyOutput.builder().doWrites(writes).reload(HaproxyReload.none()).doSocket(false)
                .service("web", HaproxyGenerator.service(config.services().get("web").haproxy().orElseThrow()))
                .service("api", HaproxyService.builder().backendName("api").build());
        if (writes) {
            b.configFilePath(dir.resolve("haproxy.cfg")).haproxyPath("/usr/sbin/haproxy")
                    .defaults(List.of("mode http", "timeout connect 1s", "timeout client 1s", "timeout server 1s"));
        }
        output = b.build().start();
        output.update(ServiceSnapshot.next(ServiceSnapshot.initial("web"),
                List.of(ServiceInstance.builder().name("a").host("127.0.0.1").port(8080).build()),
                ServiceSnapshot.Source.ZOOKEEPER, true, Instant.EPOCH));
        return new GeneratorConfigs(config, output, metrics,
                new SynapseStatus(List.copyOf(config.services().keySet()), new SimpleMeterRegistry(), true), Runnable::run);
    }

    private static final String WEB = "{\"web\": {\"discovery\": {\"method\": \"zookeeper\", \"path\": \"" + ZNODE + "\","
            + " \"hosts\": [\"127.0.0.1:2181\"]}, \"haproxy\": {\"port\": 3000, \"frontend\": [\"option httplog\"]}}}";

    private static void data(GeneratorConfigs c, long mzxid, String data) {
        c.data("web", ZNODE, data == null ? null : data.getBytes(StandardCharsets.UTF_8), mzxid);
    }

    @Test
    void znodeSettings_replaceTheFileSectionWhole_andOutliveAFileChange() throws IOException {
        GeneratorConfigs c = configs(WEB);
        assertThat(output.renderConfig()).contains("bind localhost:3000", "option httplog");

        data(c, 5, "{\"haproxy\": {\"port\": 3001, \"server_options\": \"check\"}}");
        assertThat(output.renderConfig()).contains("bind localhost:3001", "127.0.0.1:8080 id 1 check")
                .doesNotContain(":3000", "option httplog"); // replaced whole, not merged key by key

        c.fileSection("web", new SynapseConfig.ServiceHaproxy(java.util.Optional.of(3002), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), List.of(), List.of(), List.of(),
                java.util.Optional.empty(), java.util.Optional.empty(), "name", false, false, List.of(), java.util.Optional.empty()));
        assertThat(output.renderConfig()).contains("bind localhost:3001").doesNotContain(":3002");

        // No settings in the data, or no znode: what applies stays, as in Ruby.
        data(c, 6, "");
        data(c, 7, "{\"file_output\": {}}");
        data(c, ZnodeDataWatch.ABSENT, null);
        assertThat(output.renderConfig()).contains("bind localhost:3001");
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED)).isZero();
    }

    @Test
    void refusedData_keepsTheSettingsInForceAndIsCounted() throws IOException {
        GeneratorConfigs c = configs(WEB);
        String before = output.renderConfig();
        data(c, 5, "{\"haproxy\": {\"port\": 3001, \"backend\": [\"balance roundrobin\\nlisten evil\"]}}");
        data(c, 6, "{\"haproxy\": {\"port\": 3001, \"backend_name\": \"api\"}}"); // another service's backend
        data(c, 7, "{\"haproxy\": \"port 3001\"}");
        data(c, 8, "{\"haproxy\": {\"port\": 3001, \"bind_address\": \"0.0.0.0 evil\"}}"); // HaproxyService's rule
        data(c, 9, "{\"haproxy\": {\"port\": 3001, \"shared_frontend\": [\"use_backend web if TRUE\"]}}");
        assertThat(output.renderConfig()).isEqualTo(before);
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED, "web")).isEqualTo(5);

        // Ruby's "disabled" in the data takes the service out of HAProxy (and is not tried: nothing is written).
        data(c, 10, "{\"haproxy\": {\"port\": 3001, \"disabled\": true}}");
        assertThat(output.renderConfig()).doesNotContain("frontend web", ":3001");
    }

    @Test
    void lineHaproxyRefuses_refusedBeforeItApplies_theFileKeepsBeingWritten() throws IOException {
        // before: it passed the one-line rules, and every later config write failed haproxy -c
        GeneratorConfigs c = configs(WEB, true);
        Path cfg = dir.resolve("haproxy.cfg");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> Files.exists(cfg) && Files.readString(cfg).contains("127.0.0.1:8080"));
        data(c, 5, "{\"haproxy\": {\"port\": 3001, \"frontend\": [\"no_such_directive 1\"]}}");
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED, "web")).isEqualTo(1);
        assertThat(output.renderConfig()).contains("bind localhost:3000").doesNotContain("no_such_directive");

        data(c, 6, "{\"haproxy\": {\"port\": 3001, \"frontend\": [\"option httplog\"]}}");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> Files.readString(cfg).contains("bind localhost:3001"));
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED, "web")).isEqualTo(1);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".haproxy-check-"));
        }
    }
}
