package dev.smartstack.discovery.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HAProxy settings a znode holds, held to the config file's rules for a service's {@code haproxy} section. */
class ZnodeHaproxyTest {
    private static final String ZNODE = "/nerve/services/web/services";

    @TempDir
    Path dir;

    private static Optional<SynapseConfig.ServiceHaproxy> parse(String data) {
        return ZnodeHaproxy.parse(ZNODE, data.getBytes(StandardCharsets.UTF_8));
    }

    private final org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();

    @org.junit.jupiter.api.AfterEach
    void all() {
        soft.assertAll();
    }

    private void refused(String data, String message) {
        soft.assertThatThrownBy(() -> parse(data)).isInstanceOf(ConfigException.class)
                .hasMessage("znode " + ZNODE + ": " + message);
    }

    @Test
    void parse_rubyShape_bindsAsTheConfigFileDoes() throws IOException {
        String section = "{\"port\": 3212, \"server_options\": [\"check\", \"inter 2s\"], \"listen\": [\"mode http\"],"
                + " \"backend_order\": \"asc\", \"disabled\": false}";
        SynapseConfig.ServiceHaproxy fromZnode = parse("{\"haproxy\": " + section + ", \"file_output\": {}}").orElseThrow();
        assertThat(fromZnode.port()).contains(3212);
        assertThat(fromZnode.serverOptions()).contains("check inter 2s");
        assertThat(fromZnode.listen()).containsExactly("mode http");

        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, "{\"file_output\": {\"output_directory\": \"/tmp/s\"}, \"services\": {\"web\": {\"discovery\": "
                + "{\"method\": \"zookeeper\", \"path\": \"" + ZNODE + "\", \"hosts\": [\"127.0.0.1:2181\"]}, \"haproxy\": "
                + section + "}}}");
        assertThat(SynapseConfig.load(file, "f", Map.of()).services().get("web").haproxy()).contains(fromZnode);
    }

    @Test
    void parse_noSettings_empty() {
        assertThat(ZnodeHaproxy.parse(ZNODE, null)).isEmpty();
        assertThat(parse("")).isEmpty();
        assertThat(parse(" \n")).isEmpty();
        assertThat(parse("{}")).isEmpty();
        assertThat(parse("{\"file_output\": {\"disabled\": true}}")).isEmpty();
    }

    @Test
    void parse_hostileOrInvalid_refusedNamingTheKey() {
        refused("{\"haproxy\": {\"frontend\": [\"option httplog\\nlisten evil\"]}}",
                "haproxy.frontend[0]: expected a single line of HAProxy config but was \"option httplog\\nlisten evil\"");
        refused("{\"haproxy\": {\"shared_frontend\": [\"use_backend web if TRUE\"]}}", "haproxy.shared_frontend: is not"
                + " taken from a znode: its lines route every service's traffic, so only the config file may give them");
        refused("{\"haproxy\": {\"port\": 70000}}", "haproxy.port: expected an integer in [1, 65535] or null but was 70000");
        refused("{\"haproxy\": {\"port\": \"80\"}}", "haproxy.port: expected an integer in [1, 65535] or null but was \"80\"");
        refused("{\"haproxy\": {\"server_options\": \"check # comment\"}}",
                "haproxy.server_options: must not contain '#' but was \"check # comment\"");
        refused("{\"haproxy\": {\"prot\": 80}}", "haproxy.prot: unknown key; supported keys here are " + supportedKeys());
        refused("{\"haproxy\": [1]}", "haproxy: expected an object but was a list");
        refused("{\"haproxy\": {}} {}", "line 1, column 17: invalid JSON: Trailing token (of type START_OBJECT) found after "
                + "value (bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
                + "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`");
        refused("[]", "expected an object at the top level but was a list");
        assertThatThrownBy(() -> ZnodeHaproxy.parse(ZNODE, new byte[] {'{', (byte) 0xff, '}'}))
                .hasMessage("znode " + ZNODE + ": expected UTF-8 text but the data is not");
        byte[] huge = ("{\"haproxy\": {\"frontend\": [\"" + "x".repeat(ZnodeHaproxy.MAX_BYTES) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ZnodeHaproxy.parse(ZNODE, huge))
                .hasMessage("znode " + ZNODE + ": expected at most 65536 bytes of data but was " + huge.length);
    }

    private static String supportedKeys() {
        return String.join(", ", new java.util.TreeSet<>(List.of(SynapseFile.ServiceHaproxy.class.getRecordComponents())
                .stream().map(c -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT)).toList()));
    }

    @Test
    void generatorConfigZnode_rubyDefaults() throws IOException {
        String zk = "\"method\": \"zookeeper\", \"path\": \"/p\", \"hosts\": [\"127.0.0.1:2181\"]";
        assertThat(znode("{" + zk + "}")).contains("/p");
        assertThat(znode("{" + zk + ", \"generator_config_path\": \"/conf/web\"}")).contains("/conf/web");
        assertThat(znode("{" + zk + ", \"generator_config_path\": \"disabled\"}")).isEmpty();
        assertThat(znode("{\"method\": \"zookeeper_poll\", \"path\": \"/p\", \"hosts\": [\"127.0.0.1:2181\"],"
                + " \"generator_config_path\": \"/conf/web\"}")).contains("/conf/web");
        assertThat(znode("{\"method\": \"base\"}")).isEmpty();
        assertThatThrownBy(() -> znode("{" + zk + ", \"generator_config_path\": \"conf\"}")).hasMessage(
                "f: services.web.discovery.generator_config_path: expected an absolute ZooKeeper path such as "
                        + "/nerve/services/web, or \"disabled\", but was \"conf\"");
    }

    private Optional<String> znode(String discovery) throws IOException {
        Path file = dir.resolve("g.json");
        Files.writeString(file, "{\"file_output\": {\"output_directory\": \"/tmp/s\"}, \"services\": {\"web\": {\"discovery\": "
                + discovery + "}}}");
        SynapseConfig c = SynapseConfig.load(file, "f", Map.of());
        return c.services().get("web").generatorConfigZnode();
    }
}
