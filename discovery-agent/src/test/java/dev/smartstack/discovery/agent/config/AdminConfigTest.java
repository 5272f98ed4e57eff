package dev.smartstack.discovery.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code admin}, {@code statsd} and Yelp {@code prometheus} keys of both files. */
class AdminConfigTest {
    @TempDir
    Path dir;

    private static final String SYNAPSE = "\"file_output\": {\"output_directory\": \"/tmp/s\"}, \"services\": {}";
    private static final String NERVE = "\"instance_id\": \"i\", \"services\": {}";

    private SynapseConfig synapse(String json) throws IOException {
        Path file = dir.resolve("synapse.conf.json");
        Files.writeString(file, json);
        return SynapseConfig.load(file, "synapse.conf.json", Map.of());
    }

    private NerveConfig nerve(String json) throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, json);
        return NerveConfig.load(file, "nerve.conf.json", null);
    }

    @Test
    void admin_defaultsAndErrors() throws IOException {
        assertThat(synapse("{" + SYNAPSE + "}").admin()).isEmpty();
        assertThat(synapse("{" + SYNAPSE + ", \"admin\": {\"port\": 9999}}").admin())
                .contains(new AdminConfig("127.0.0.1", 9999));
        assertThat(nerve("{" + NERVE + ", \"admin\": {\"bind\": \"::1\", \"port\": 0}}").admin())
                .contains(new AdminConfig("::1", 0));
        assertThatThrownBy(() -> synapse("{" + SYNAPSE + ", \"admin\": {}}"))
                .hasMessage("synapse.conf.json: admin.port: required key is missing");
        assertThatThrownBy(() -> synapse("{" + SYNAPSE + ", \"admin\": {\"port\": 70000}}"))
                .hasMessageStartingWith("synapse.conf.json: admin.port: ");
    }

    @Test
    void statsd_rubyDefaults() throws IOException {
        assertThat(synapse("{" + SYNAPSE + ", \"statsd\": {\"sample_rate\": {\"synapse.start\": 0.5}}}").statsd())
                .contains(new StatsdConfig("localhost", 8125));
        assertThat(nerve("{" + NERVE + ", \"statsd\": {\"host\": \"127.0.0.1\", \"port\": 9125}}").statsd())
                .contains(new StatsdConfig("127.0.0.1", 9125));
        assertThat(nerve("{" + NERVE + "}").statsd()).isEmpty();
    }

    @Test
    void yelpPrometheus_enabledBecomesAdminWithYelpDefaults_adminWins() throws IOException {
        assertThat(nerve("{" + NERVE + ", \"prometheus\": {\"enabled\": true}}").admin())
                .contains(new AdminConfig("0.0.0.0", 9292));
        assertThat(nerve("{" + NERVE + ", \"prometheus\": {\"enabled\": false, \"port\": 9300}}").admin()).isEmpty();
        NerveConfig both = nerve("{" + NERVE + ", \"prometheus\": {\"enabled\": true, \"port\": 9300, \"bind\": \"127.0.0.1\","
                + " \"histogram_buckets_zk\": [0.1, 1]}, \"admin\": {\"port\": 9400}}");
        assertThat(both.admin()).isEqualTo(Optional.of(new AdminConfig("127.0.0.1", 9400)));
        assertThat(both.prometheus()).contains(new AdminConfig("127.0.0.1", 9300));
    }
}
