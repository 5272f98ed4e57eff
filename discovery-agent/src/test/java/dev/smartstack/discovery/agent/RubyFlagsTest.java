package dev.smartstack.discovery.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ruby's environment variables and flag spellings, ERB, and keys accepted at check time but not yet run. */
class RubyFlagsTest {
    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(Map<String, String> env, String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(env, new PrintWriter(o, true), new PrintWriter(e, true), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private Path nerve() throws IOException {
        Path file = dir.resolve("nerve.conf.json");
        Files.writeString(file, "{\"instance_id\": \"i-1\", \"services\": {}}");
        return file;
    }

    @Test
    void nerve_configFromEnvironment_andCheckConfigFromEnvironment() throws IOException {
        Path file = nerve();
        assertThat(run(Map.of("NERVE_CONFIG", file.toString()), "nerve", "-k")).isEqualTo(0);
        assertThat(out).isEqualTo("smartstack: " + file + ": OK: instance_id i-1, 0 service(s)\n");
        // As Ruby: NERVE_CHECK_CONFIG counts when set, whatever its value.
        assertThat(run(Map.of("NERVE_CONFIG", file.toString(), "NERVE_CHECK_CONFIG", "1"), "nerve")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i-1, 0 service(s)\n");
        // The flag wins over the variable.
        assertThat(run(Map.of("NERVE_CONFIG", "/nonexistent.json"), "nerve", "--config", file.toString(), "-k")).isEqualTo(0);
    }

    @Test
    void nerve_rubyInstanceIdSpelling_andEmptyOverrideIgnored() throws IOException {
        Path file = nerve();
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "-k", "--instance_id", "from-flag")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id from-flag, 0 service(s)\n");
        assertThat(run(Map.of("NERVE_INSTANCE_ID", ""), "nerve", "-c", file.toString(), "-k")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i-1, 0 service(s)\n");
    }

    @Test
    void noConfigAnywhere_exits2NamingBoth() {
        assertThat(run(Map.of(), "nerve", "-k")).isEqualTo(2);
        assertThat(err).isEqualTo("Missing required option: '--config=FILE' (or the NERVE_CONFIG environment variable)\n");
        assertThat(run(Map.of(), "synapse")).isEqualTo(2);
        assertThat(err).isEqualTo("Missing required option: '--config=FILE' (or the SYNAPSE_CONFIG environment variable)\n");
    }

    @Test
    void synapse_configFromEnvironment_withErb() throws IOException {
        Path file = dir.resolve("synapse.conf.yaml");
        Files.writeString(file, """
                file_output: {output_directory: "<%= ENV.fetch('OUT_DIR', '/tmp/synapse') %>"}
                services:
                  web:
                    discovery:
                      method: zookeeper
                      path: /nerve/services/web
                      hosts: ["<%= ENV['ZK_HOST'] %>:2181"]
                """);
        assertThat(run(Map.of("SYNAPSE_CONFIG", file.toString(), "ZK_HOST", "127.0.0.1"), "synapse", "-k")).isEqualTo(0);
        assertThat(out).endsWith(": OK: 1 service(s): web; generators: file_output\n");
        // Unset, ENV['ZK_HOST'] is empty, as in Ruby, and the host list is then wrong.
        assertThat(run(Map.of("SYNAPSE_CONFIG", file.toString()), "synapse", "-k")).isEqualTo(2);
        assertThat(err).isEqualTo("smartstack: " + file + ": services.web.discovery.hosts[0]: expected host:port but was \":2181\"\n");
    }

    @Test
    void synapse_unsupportedErb_oneLine() throws IOException {
        Path file = dir.resolve("synapse.json");
        Files.writeString(file, "{\"file_output\": {\"output_directory\": \"<%= File.read('/etc/passwd') %>\"}, \"services\": {}}");
        assertThat(run(Map.of(), "synapse", "-c", file.toString(), "-k")).isEqualTo(2);
        assertThat(err).isEqualTo("smartstack: " + file + ": line 1: ERB \"<%= File.read('/etc/passwd') %>\" is not supported "
                + "(only <%= ENV['NAME'] %> and <%= ENV.fetch('NAME', 'default') %> are)\n");
    }

    @Test
    void synapse_everyDiscoveryMethod_checkPasses_badComponentValueExits2() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out"));
        Path file = dir.resolve("synapse.json");
        Files.writeString(file, "{\"file_output\": {\"output_directory\": \"" + out + "\"}, \"services\": {"
                + "\"polled\": {\"discovery\": {\"method\": \"zookeeper_poll\", \"path\": \"/nerve/p\", \"hosts\": [\"127.0.0.1:2181\"],"
                + " \"polling_interval_sec\": 30}},"
                + "\"named\": {\"discovery\": {\"method\": \"dns\", \"nameserver\": \"127.0.0.1\", \"check_interval\": 5,"
                + " \"servers\": [{\"name\": \"a\", \"host\": \"a.example.com\", \"port\": 80}]}},"
                + "\"both\": {\"discovery\": {\"method\": \"multi\", \"watchers\": {"
                + " \"one\": {\"method\": \"zookeeper\", \"path\": \"/a\", \"hosts\": [\"127.0.0.1:2181\"]},"
                + " \"two\": {\"method\": \"zookeeper\", \"path\": \"/a\", \"hosts\": [\"127.0.0.1:2182\"]}},"
                + " \"resolver\": {\"method\": \"sequential\", \"sequential_order\": [\"one\", \"two\"]}}}}}");
        assertThat(run(Map.of(), "synapse", "-c", file.toString(), "-k")).isEqualTo(0);
        assertThat(this.out).endsWith(": OK: 3 service(s): polled, named, both; generators: file_output\n");
        // Every method runs now; a value that the reader accepts but the component refuses is exit 2 at start.
        Files.writeString(file, Files.readString(file).replace("\"sequential_order\": [\"one\", \"two\"]",
                "\"sequential_order\": [\"one\"]"));
        assertThat(run(Map.of(), "synapse", "-c", file.toString())).isEqualTo(2);
        assertThat(err).isEqualTo("smartstack: " + file + ": services.both: sequential_order must name every watcher "
                + "but lacks [two]\n");
    }

    @Test
    void nerve_persistentNodes_checkPasses() throws IOException {
        Path file = dir.resolve("nerve.json");
        Files.writeString(file, "{\"instance_id\": \"i\", \"services\": {\"q\": {\"host\": \"127.0.0.1\", \"port\": 5672,"
                + " \"zk_hosts\": [\"127.0.0.1:2181\"], \"zk_path\": \"/nerve/q\", \"node_type\": \"persistent_sequential\","
                + " \"ttl_seconds\": 60, \"checks\": [{\"type\": \"rabbitmq\", \"username\": \"u\", \"password\": \"p\"}]}}}");
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "-k")).isEqualTo(0);
        assertThat(err).isEmpty();
    }

    @Test
    void serviceConfDir_relativeToWorkingDirectory_whenNotBesideTheFile_asRubyReadsIt() throws IOException {
        // The tests run in discovery-agent/; Ruby's own example names its conf dir relative to the working directory.
        Path file = dir.resolve("nerve.json");
        Files.writeString(file, "{\"instance_id\": \"i\", \"service_conf_dir\": \"src/test/resources/ruby-configs/nerve_services\"}");
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "-k")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i, 2 service(s): billing, ledger\n");
        // Beside the file wins when both exist.
        Path beside = Files.createDirectories(dir.resolve("src/test/resources/ruby-configs/nerve_services"));
        Files.writeString(beside.resolve("only.yaml"), "host: 127.0.0.1\nport: 1\nzk_hosts: [\"127.0.0.1:2181\"]\nzk_path: /o\n");
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "-k")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i, 1 service(s): only\n");
    }
}
