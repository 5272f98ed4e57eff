package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example files in {@code docs/examples} pass {@code --check-config}. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "docs", "examples");

    private String out;
    private String err;

    private int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(Map.of(), new PrintWriter(o, true), new PrintWriter(e, true), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void nerveExample_checkConfig_exits0() {
        Path file = EXAMPLES.resolve("nerve.conf.json");
        assertThat(run("nerve", "--config", file.toString(), "--check-config")).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).isEqualTo("smartstack: " + file + ": OK: instance_id web-host-1, 2 service(s): web, web-admin\n");
    }

    @Test
    void synapseExample_checkConfig_exits0() {
        Path file = EXAMPLES.resolve("synapse.conf.json");
        assertThat(run("synapse", "--config", file.toString(), "--check-config")).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).isEqualTo("smartstack: " + file + ": OK: 3 service(s): web, search, legacy-db; generators: file_output\n");
    }

    @Test
    void synapseHaproxyExample_checkConfig_exits0() {
        Path file = EXAMPLES.resolve("synapse-haproxy.conf.json");
        assertThat(run("synapse", "--config", file.toString(), "--check-config")).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).isEqualTo("smartstack: " + file + ": OK: 1 service(s): web; generators: haproxy\n");
        SynapseConfig config = SynapseConfig.load(file, file.toString());
        assertThat(config.haproxy().orElseThrow().manageProcess()).isTrue();
        assertThat(config.services().get("web").haproxy().orElseThrow().port()).contains(3213);
    }
}
