package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smartstack.discovery.agent.config.ConfigException;
import dev.smartstack.discovery.agent.config.NerveConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NerveAgentTest {
    @TempDir
    Path dir;

    @Test
    void plan_sameZkHostsInAnyOrder_shareOneClient() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "zk_session_timeout": 4, "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181", "127.0.0.1:2182"], "zk_path": "/a"},
                  "b": {"host": "127.0.0.1", "port": 2, "zk_hosts": ["127.0.0.1:2182", "127.0.0.1:2181"], "zk_path": "/b"},
                  "c": {"host": "127.0.0.1", "port": 3, "zk_hosts": ["127.0.0.1:2183"], "zk_path": "/c"}
                }}
                """);
        NerveConfig config = NerveConfig.load(file, "nerve.conf.json", null);
        assertThat(config.zkSessionTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(config.maxRepeatedReportFailures()).isEqualTo(10);
        assertThat(config.services().get("a").checkInterval()).isEqualTo(Duration.ofMillis(500));
        try (NerveAgent agent = NerveAgent.plan(config, "nerve.conf.json")) {
            assertThat(agent.clientCount()).isEqualTo(2);
        }
    }

    @Test
    void plan_twoServicesSameEphemeralNodeOnOneCluster_throwsNamingBoth() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web", "node_type": "ephemeral"},
                  "b": {"host": "127.0.0.1", "port": 2, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web", "node_type": "ephemeral"},
                  "c": {"host": "127.0.0.1", "port": 3, "zk_hosts": ["127.0.0.1:2182"], "zk_path": "/web", "node_type": "ephemeral"}
                }}
                """);
        NerveConfig config = NerveConfig.load(file, "nerve.conf.json", null);
        assertThatThrownBy(() -> NerveAgent.plan(config, "nerve.conf.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("nerve.conf.json: services: services \"a\" and \"b\" register the same node /web/i");
    }

    @Test
    void plan_twoServicesSamePersistentNode_throwsNamingBoth_butPersistentSequentialAllowed() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web", "node_type": "persistent",
                        "ttl_seconds": 30},
                  "b": {"host": "127.0.0.1", "port": 2, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web", "node_type": "persistent"}
                }}
                """);
        NerveConfig config = NerveConfig.load(file, "nerve.conf.json", null);
        assertThatThrownBy(() -> NerveAgent.plan(config, "nerve.conf.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("nerve.conf.json: services: services \"a\" and \"b\" register the same node /web/i_");
        Files.writeString(file, Files.readString(file).replace("\"persistent\"", "\"persistent_sequential\""));
        try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json")) {
            assertThat(agent.clientCount()).isEqualTo(2);
        }
    }

    @Test
    void plan_sequentialServicesSamePrefix_allowedAsInRuby_eachFurtherOneItsOwnClient() throws IOException {
        // Ruby's own example nerve.conf.json registers two services under one zk_path and instance_id.
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web"},
                  "b": {"host": "127.0.0.1", "port": 2, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web"},
                  "c": {"host": "127.0.0.1", "port": 3, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/other"}
                }}
                """);
        try (NerveAgent agent = NerveAgent.plan(NerveConfig.load(file, "nerve.conf.json", null), "nerve.conf.json")) {
            assertThat(agent.clientCount()).isEqualTo(2);
        }
    }

    @Test
    void plan_usePathEncoding_namesDifferByDataSoTwoServicesOnOnePathAreDistinct() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web",
                        "use_path_encoding": true},
                  "b": {"host": "127.0.0.1", "port": 2, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web",
                        "use_path_encoding": true},
                  "c": {"host": "127.0.0.1", "port": 3, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web"}
                }}
                """);
        NerveConfig config = NerveConfig.load(file, "nerve.conf.json", null);
        assertThat(config.services().get("a").usePathEncoding()).isTrue();
        assertThat(config.services().get("c").usePathEncoding()).isFalse();
        try (NerveAgent agent = NerveAgent.plan(config, "nerve.conf.json")) {
            assertThat(agent.clientCount()).isEqualTo(1);
        }
    }

    @Test
    void load_usePathEncodingNotABoolean_throwsNamingTheKey() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 1, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/web",
                        "use_path_encoding": "yes"}
                }}
                """);
        assertThatThrownBy(() -> NerveConfig.load(file, "nerve.conf.json", null))
                .isInstanceOf(ConfigException.class)
                .hasMessage("nerve.conf.json: services.a.use_path_encoding: expected true or false but was \"yes\"");
    }

    @Test
    void load_checkDefaults_inheritServiceHostAndPort() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, """
                {"instance_id": "i", "services": {
                  "a": {"host": "127.0.0.1", "port": 8080, "zk_hosts": ["127.0.0.1:2181"], "zk_path": "/a",
                        "checks": [{"type": "http", "uri": "/health"}]}
                }}
                """);
        NerveConfig.Check check = NerveConfig.load(file, "nerve.conf.json", null).services().get("a").checks().get(0);
        assertThat(check.host()).isEqualTo("127.0.0.1");
        assertThat(check.port()).isEqualTo(8080);
        assertThat(check.timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(check.rise()).isEqualTo(1);
        assertThat(check.fall()).isEqualTo(1);
        assertThat(check.name()).isEqualTo("a http");
        assertThat(check.ssl()).isFalse();
    }
}
