package dev.smartstack.discovery.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the binding makes of Ruby Synapse's keys. */
class SynapseConfigTest {
    @TempDir
    Path dir;

    private SynapseConfig load(String json) throws IOException {
        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, json);
        return SynapseConfig.load(file, "synapse.conf.json", Map.of());
    }

    private static final String OUT = "\"file_output\": {\"output_directory\": \"/tmp/s\"}";
    private static final String ZK = "\"method\": \"zookeeper\", \"path\": \"/nerve/web\", \"hosts\": [\"127.0.0.1:2181\"]";

    @Test
    void serverOptions_listOfWords_joined() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + "}, "
                + "\"haproxy\": {\"server_options\": [\"check\", \"inter 2s\"]}}}}");
        assertThat(c.services().get("web").haproxy().orElseThrow().serverOptions()).contains("check inter 2s");
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + "}, "
                + "\"haproxy\": {\"server_options\": {\"h\": \"check\"}}}}}"))
                .hasMessage("synapse.conf.json: services.web.haproxy.server_options: expected a string or a list of strings "
                        + "but was an object");
    }

    @Test
    void haproxyLines_oneStringAsReadmeWritesIt_aListOfOne() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + "}, "
                + "\"haproxy\": {\"backend\": \"mode http\", \"listen\": [\"option httplog\"]}}}}");
        assertThat(c.services().get("web").haproxy().orElseThrow().backend()).containsExactly("mode http");
        assertThat(c.services().get("web").haproxy().orElseThrow().listen()).containsExactly("option httplog");
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + "}, "
                + "\"haproxy\": {\"backend\": \"mode http\\nlisten evil\"}}}}"))
                .hasMessage("synapse.conf.json: services.web.haproxy.backend: expected a single line of HAProxy config "
                        + "but was \"mode http\\nlisten evil\"");
    }

    @Test
    void labelFilters_singularAndScalarValues_comparedAsStrings() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + ", "
                + "\"label_filter\": {\"label\": \"canary\", \"value\": true, \"condition\": \"not-equals\"}, "
                + "\"label_filters\": [{\"label\": \"shard\", \"value\": 3, \"condition\": \"equals\"}]}}}}");
        assertThat(c.services().get("web").labelFilters()).containsExactly(
                new SynapseConfig.LabelFilterConfig("canary", "true", "not-equals"),
                new SynapseConfig.LabelFilterConfig("shard", "3", "equals"));
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + ", "
                + "\"label_filters\": [{\"label\": \"shard\", \"value\": [3], \"condition\": \"equals\"}]}}}}"))
                .hasMessage("synapse.conf.json: services.web.discovery.label_filters[0].value: expected a string, number or "
                        + "boolean but was a list");
    }

    @Test
    void retryPolicyAndJitter_boundWithRubyDefaults() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + ", "
                + "\"retry_policy\": {\"max_attempts\": 3, \"base_interval\": 0.1}, \"discovery_jitter\": 5}}}}");
        SynapseConfig.DiscoveryExtras d = c.services().get("web").discovery();
        assertThat(d.retryPolicy()).contains(new SynapseConfig.RetryPolicy(3, Duration.ofSeconds(600), Duration.ofMillis(100),
                Duration.ofSeconds(60)));
        assertThat(d.discoveryJitter()).contains(Duration.ofSeconds(5));
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + ", "
                + "\"retry_policy\": {\"base_interval\": 5, \"max_interval\": 1}}}}}"))
                .hasMessage("synapse.conf.json: services.web.discovery.retry_policy.base_interval: must not be greater than "
                        + "max_interval (1.0 s) but was 5.0");
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + ", "
                + "\"retry_policy\": {\"max_attempts\": 0}}}}}"))
                .hasMessage("synapse.conf.json: services.web.discovery.retry_policy.max_attempts: expected an integer in "
                        + "[1, 1000] but was 0");
    }

    @Test
    void serviceConfDir_withoutServices_isComplete() throws IOException {
        Path conf = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(conf.resolve("db.json"), "{\"discovery\": {" + ZK + "}, \"file_output\": {\"disabled\": true}}");
        SynapseConfig c = load("{" + OUT + ", \"service_conf_dir\": \"conf.d\"}");
        assertThat(c.services().keySet()).containsExactly("db");
        assertThat(c.services().get("db").fileOutputDisabled()).isTrue();
    }

    @Test
    void discoveryMulti_mergedWithDiscoveryAsPrimary() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {" + ZK + "}, \"discovery_multi\": {"
                + "\"resolver\": {\"method\": \"union\"}, \"watchers\": {\"secondary\": {\"method\": \"zookeeper\", "
                + "\"path\": \"/nerve/web\", \"hosts\": [\"127.0.0.1:2182\"]}}}}}}");
        SynapseConfig.Service web = c.services().get("web");
        assertThat(web.method()).isEqualTo("multi");
        assertThat(web.discovery().watchers().keySet()).containsExactly("secondary", "primary");
        assertThat(web.discovery().watchers().get("primary").hosts()).isEqualTo(List.of("127.0.0.1:2181"));
        assertThat(web.discovery().resolverMethod()).contains("union");
        assertThatThrownBy(() -> load("{" + OUT + ", \"services\": {\"web\": {\"discovery\": {\"method\": \"multi\", "
                + "\"watchers\": {\"a\": {" + ZK + "}}, \"resolver\": {\"method\": \"s3_toggle\"}}}}}"))
                .hasMessage("synapse.conf.json: services.web.discovery.resolver.method: expected \"union\" or \"sequential\" "
                        + "but was \"s3_toggle\" (s3_toggle reads AWS S3, which this agent does not)");
    }

    @Test
    void defaultServers_scalarLabels_asStrings() throws IOException {
        SynapseConfig c = load("{" + OUT + ", \"services\": {\"s\": {\"discovery\": {\"method\": \"base\"}, "
                + "\"default_servers\": [{\"host\": \"127.0.0.1\", \"port\": 1, \"labels\": {\"az\": \"a\", \"rank\": 2}}]}}}");
        assertThat(c.services().get("s").defaultServers().get(0).labels()).isEqualTo(Map.of("az", "a", "rank", "2"));
    }

    private static final String HAPROXY = "\"haproxy\": {\"global\": [], \"defaults\": [], "
            + "\"config_file_path\": \"/tmp/h.cfg\", \"reload_command\": \"/bin/true\"";

    @Test
    void rubyHaproxyKeys_boundAsRubyReadsThem() throws IOException {
        SynapseConfig c = load("{" + HAPROXY + ", \"socket_file_path\": [\"/tmp/a.sock\", \"b.sock\"], "
                + "\"shared_frontend\": [\"bind :8081\"], \"do_checks\": true, \"check_command\": \"haproxy -c -f /tmp/c.cfg\", "
                + "\"candidate_config_file_path\": \"/tmp/c.cfg\", \"server_order_seed\": 42}, \"services\": {"
                + "\"web\": {\"discovery\": {" + ZK + "}, \"haproxy\": {\"port\": null, \"bind_address\": \"/run/web.sock\", "
                + "\"server_port_override\": 8080, \"use_nerve_weights\": true, \"shared_frontend\": [\"use_backend web\"]}}, "
                + "\"both\": {\"backend_port_override\": 9090, \"discovery\": {" + ZK + "}, \"haproxy\": {\"port\": 80, "
                + "\"server_port_override\": 8080}}, "
                + "\"none\": {\"discovery\": {" + ZK + "}}}}");
        SynapseConfig.Haproxy h = c.haproxy().orElseThrow();
        assertThat(h.socketFilePaths()).containsExactly(Path.of("/tmp/a.sock"), dir.resolve("b.sock"));
        assertThat(h.sharedFrontend()).contains(List.of("bind :8081"));
        assertThat(h.doChecks()).isTrue();
        assertThat(h.checkCommand()).contains("haproxy -c -f /tmp/c.cfg");
        assertThat(h.candidateConfigFilePath()).contains(Path.of("/tmp/c.cfg"));
        assertThat(h.serverOrderSeed()).contains(42L);
        SynapseConfig.Service web = c.services().get("web");
        SynapseConfig.ServiceHaproxy wh = web.haproxy().orElseThrow();
        assertThat(wh.port()).isEmpty();
        assertThat(wh.bindWithoutPort()).isTrue();
        assertThat(wh.useNerveWeights()).contains(true);
        assertThat(wh.sharedFrontend()).containsExactly("use_backend web");
        assertThat(web.backendPortOverride()).contains(8080); // Ruby's deprecated spelling
        assertThat(c.services().get("both").backendPortOverride()).contains(9090); // backend_port_override wins
        assertThat(c.services().get("both").haproxy().orElseThrow().bindWithoutPort()).isFalse();
        assertThat(c.services().get("none").haproxy()).isEmpty();

        SynapseConfig one = load("{" + HAPROXY + ", \"socket_file_path\": \"/tmp/a.sock\"}, \"services\": {}}");
        assertThat(one.haproxy().orElseThrow().socketFilePaths()).containsExactly(Path.of("/tmp/a.sock"));
        assertThat(one.haproxy().orElseThrow().doChecks()).isFalse();
    }

    @Test
    void doChecks_withoutCheckCommandOrCandidate_refusedAsRubyDoes() {
        assertThatThrownBy(() -> load("{" + HAPROXY + ", \"do_socket\": false, \"do_checks\": true, "
                + "\"candidate_config_file_path\": \"/tmp/c.cfg\"}, \"services\": {}}"))
                .hasMessage("synapse.conf.json: haproxy.check_command: required key is missing (do_checks is on)");
        assertThatThrownBy(() -> load("{" + HAPROXY + ", \"do_socket\": false, \"do_checks\": true, "
                + "\"check_command\": \"haproxy -c -f /tmp/c.cfg\"}, \"services\": {}}"))
                .hasMessage("synapse.conf.json: haproxy.candidate_config_file_path: required key is missing (do_checks is on)");
        assertThatThrownBy(() -> load("{" + HAPROXY + ", \"socket_file_path\": [\"/tmp/a.sock\", 3]}, \"services\": {}}"))
                .hasMessageStartingWith("synapse.conf.json: haproxy.socket_file_path");
    }

    @Test
    void serviceWithoutHaproxySection_backendNameTakenByAnother_refused() {
        assertThatThrownBy(() -> load("{" + HAPROXY + ", \"do_socket\": false}, \"services\": {"
                + "\"web\": {\"discovery\": {" + ZK + "}, \"haproxy\": {\"backend_name\": \"api\"}}, "
                + "\"api\": {\"discovery\": {" + ZK + "}}}}"))
                .hasMessage("synapse.conf.json: services.api: backend \"api\" is also used by service \"web\"");
    }
}
