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

/** The command line and config errors, run in-process with captured output. */
class MainTest {
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

    private int check(String fileName, String content, String... extra) throws IOException {
        Path file = dir.resolve(fileName);
        Files.writeString(file, content);
        String[] args = new String[3 + extra.length];
        args[0] = "nerve";
        args[1] = "--config=" + file;
        args[2] = "--check-config";
        System.arraycopy(extra, 0, args, 3, extra.length);
        return run(Map.of(), args);
    }

    private String errorFor(String fileName, String content) throws IOException {
        assertThat(check(fileName, content)).isEqualTo(2);
        assertThat(out).isEmpty();
        assertThat(err).endsWith("\n").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(err.lines().count()).isEqualTo(1);
        return err.strip().replace(dir.resolve(fileName).toString(), fileName);
    }

    private static String json(String service) {
        return "{\"instance_id\": \"i-1\", \"services\": {\"web\": " + service + "}}";
    }

    private static final String WEB = "\"host\": \"127.0.0.1\", \"port\": 8080, \"zk_hosts\": [\"127.0.0.1:2181\"], "
            + "\"zk_path\": \"/nerve/services/web/services\"";

    @Test
    void checkConfig_validJson_printsSummaryAndExits0() throws IOException {
        String config = json("{" + WEB + ", \"check_interval\": 0.2, \"weight\": 3, \"labels\": {\"az\": \"a\"},"
                + " \"haproxy_server_options\": \"backup\", \"node_type\": \"ephemeral\", \"check_mocked\": false,"
                + " \"rate_limiting\": {\"shadow_mode\": true, \"average_rate\": 0.5, \"max_burst\": 2},"
                + " \"checks\": [{\"type\": \"http\", \"name\": \"h\", \"uri\": \"/health\", \"timeout\": 0.2, \"rise\": 2,"
                + " \"fall\": 3, \"headers\": {\"X-A\": \"b\"}, \"expect\": \"OK\", \"ssl\": false},"
                + " {\"type\": \"tcp\", \"port\": 8081}, {\"type\": \"command\", \"command\": [\"/bin/true\"]}]}");
        assertThat(check("nerve.conf.json", config)).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).isEqualTo("smartstack: " + dir.resolve("nerve.conf.json") + ": OK: instance_id i-1, 1 service(s): web\n");
    }

    @Test
    void checkConfig_validYaml_exits0() throws IOException {
        String yaml = """
                instance_id: i-2
                services:
                  web:
                    host: 127.0.0.1
                    port: 8080
                    zk_hosts: ["127.0.0.1:2181"]
                    zk_path: /nerve/services/web/services
                    checks:
                      - type: tcp
                """;
        assertThat(check("nerve.conf.yaml", yaml)).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i-2, 1 service(s): web\n");
    }

    @Test
    void checkConfig_wrongTypeInYaml_namesKey() throws IOException {
        String yaml = """
                instance_id: i-2
                services:
                  web:
                    host: 127.0.0.1
                    port: eighty
                    zk_hosts: ["127.0.0.1:2181"]
                    zk_path: /nerve/services/web/services
                """;
        assertThat(errorFor("nerve.yml", yaml))
                .isEqualTo("smartstack: nerve.yml: services.web.port: expected an integer in [1, 65535] but was \"eighty\"");
    }

    @Test
    void checkConfig_portNotANumber_namesKeyAndValue() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB.replace("8080", "\"abc\"") + "}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.port: expected an integer in [1, 65535] but was \"abc\"");
    }

    @Test
    void checkConfig_portOutOfRange_namesKeyAndValue() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB.replace("8080", "70000") + "}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.port: expected an integer in [1, 65535] but was 70000");
    }

    @Test
    void checkConfig_unknownServiceKey_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB + ", \"colour\": \"red\"}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.colour: unknown key; supported keys here are "
                        + "check_interval, check_mocked, checks, etcd_host, etcd_path, etcd_port, haproxy_server_options, host, "
                        + "labels, load_test_concurrency, node_type, port, rate_limiting, reporter_type, ttl_seconds, "
                        + "use_path_encoding, weight, zk_hosts, zk_path");
    }

    @Test
    void checkConfig_unknownTopKey_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", "{\"instance_id\": \"i\", \"services\": {}, \"colour\": {}}"))
                .isEqualTo("smartstack: nerve.conf.json: colour: unknown key; supported keys here are admin, heartbeat_path, "
                        + "instance_id, max_repeated_report_failures, prometheus, service_conf_dir, services, statsd, "
                        + "zk_auth, zk_session_timeout, zk_tls");
    }

    @Test
    void checkConfig_missingZkHosts_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{\"host\": \"127.0.0.1\", \"port\": 8080, \"zk_path\": \"/a\"}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.zk_hosts: required key is missing");
    }

    @Test
    void checkConfig_missingInstanceId_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", "{\"services\": {}}"))
                .isEqualTo("smartstack: nerve.conf.json: instance_id: required key is missing");
    }

    @Test
    void checkConfig_missingServices_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", "{\"instance_id\": \"i\"}"))
                .isEqualTo("smartstack: nerve.conf.json: services: required key is missing");
    }

    @Test
    void checkConfig_unknownCheckKey_namesIndex() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB + ", \"checks\": [{\"type\": \"tcp\"}, {\"type\": \"http\", \"uri\": \"/h\", \"interval\": 1}]}")))
                .startsWith("smartstack: nerve.conf.json: services.web.checks[1].interval: unknown key; supported keys here are ");
    }

    @Test
    void checkConfig_httpCheckWithoutUri_namesKey() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB + ", \"checks\": [{\"type\": \"http\"}]}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.checks[0].uri: required key is missing (an http check needs it)");
    }

    @Test
    void checkConfig_httpCheckWithBadUri_namesKeyWithTheCheckOwnRule() throws IOException {
        assertThat(errorFor("nerve.conf.json", json("{" + WEB + ", \"checks\": [{\"type\": \"http\", \"uri\": \"health\"}]}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.checks[0].uri: uri must be a path starting with / "
                        + "but was \"health\"");
        // Refused by the check's URI rule, which the agent's own copy let through to start-up.
        assertThat(errorFor("nerve.conf.json", json("{" + WEB + ", \"checks\": [{\"type\": \"http\", \"uri\": \"/a%zz\"}]}")))
                .isEqualTo("smartstack: nerve.conf.json: services.web.checks[0].uri: uri must be a path starting with / "
                        + "but was \"/a%zz\"");
    }

    @Test
    void checkConfig_unsupportedValues_namedWithValue() throws IOException {
        assertThat(errorFor("a.json", json("{" + WEB + ", \"reporter_type\": \"etcd\"}")))
                .isEqualTo("smartstack: a.json: services.web.reporter_type: \"etcd\" is not supported: this agent registers in "
                        + "ZooKeeper only (use \"zookeeper\" with zk_hosts and zk_path)");
        assertThat(errorFor("b.json", json("{" + WEB + ", \"node_type\": \"container\"}")))
                .isEqualTo("smartstack: b.json: services.web.node_type: expected \"ephemeral_sequential\", \"ephemeral\", "
                        + "\"persistent_sequential\" or \"persistent\" but was \"container\"");
        assertThat(errorFor("c.json", json("{" + WEB + ", \"checks\": [{\"type\": \"mysql\"}]}")))
                .isEqualTo("smartstack: c.json: services.web.checks[0].type: expected \"http\", \"tcp\", \"redis\", "
                        + "\"rabbitmq\", \"noop\" or \"command\" but was \"mysql\" (for a Ruby nerve-watcher gem's type, "
                        + "use a \"command\" check)");
        assertThat(errorFor("d.json", json("{" + WEB.replace("127.0.0.1:2181", "zk1") + "}")))
                .isEqualTo("smartstack: d.json: services.web.zk_hosts[0]: expected host:port but was \"zk1\"");
        assertThat(errorFor("e.json", json("{" + WEB + ", \"check_interval\": \"fast\"}")))
                .isEqualTo("smartstack: e.json: services.web.check_interval: expected a number of seconds in (0, 86400] but was \"fast\"");
        assertThat(errorFor("f.json", json("{" + WEB + ", \"weight\": 300}")))
                .isEqualTo("smartstack: f.json: services.web.weight: expected an integer in [0, 256] but was 300");
        assertThat(errorFor("g.json", json("{" + WEB + ", \"labels\": {\"az\": 1}}")))
                .isEqualTo("smartstack: g.json: services.web.labels.az: expected a string but was 1");
        assertThat(errorFor("h.json", json("{" + WEB + ", \"haproxy_server_options\": \"backup\\ncheck\"}")))
                .isEqualTo("smartstack: h.json: services.web.haproxy_server_options: haproxy_server_options must be at most 512 printable ASCII characters without # \" ' or \\ but was \"backup\\ncheck\"");
        assertThat(errorFor("i.json", json("{" + WEB + ", \"rate_limiting\": {\"average_rate\": 1}}")))
                .isEqualTo("smartstack: i.json: services.web.rate_limiting.max_burst: required key is missing");
        assertThat(errorFor("j.json", json("{" + WEB + ", \"check_mocked\": \"yes\"}")))
                .isEqualTo("smartstack: j.json: services.web.check_mocked: expected true or false but was \"yes\"");
        assertThat(errorFor("k.json", json("{" + WEB.replace("127.0.0.1\"", "bad host\"") + "}")))
                .isEqualTo("smartstack: k.json: services.web.host: expected a DNS name or an IP address but was \"bad host\"");
    }

    @Test
    void checkConfig_invalidJson_namesLine() throws IOException {
        assertThat(errorFor("nerve.conf.json", "{\n  \"instance_id\": \"i\",\n  oops\n}"))
                .isEqualTo("smartstack: nerve.conf.json: line 3, column 3: invalid JSON: Unexpected character ('o' (code 111)): "
                        + "was expecting double-quote to start field name");
    }

    @Test
    void checkConfig_missingFile_exits2WithOneLine() {
        assertThat(run(Map.of(), "nerve", "--config", dir.resolve("none.json").toString(), "--check-config")).isEqualTo(2);
        assertThat(err.strip()).isEqualTo("smartstack: " + dir.resolve("none.json")
                + ": cannot read the file (NoSuchFileException: " + dir.resolve("none.json") + ")");
    }

    @Test
    void instanceId_flagAndEnvironment_override() throws IOException {
        Path file = dir.resolve("nerve.json");
        Files.writeString(file, "{\"services\": {}}");
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "--check-config", "-i", "from-flag")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id from-flag, 0 service(s)\n");
        assertThat(run(Map.of("NERVE_INSTANCE_ID", "from-env"), "nerve", "-c", file.toString(), "--check-config")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id from-env, 0 service(s)\n");
        assertThat(run(Map.of("NERVE_INSTANCE_ID", "from-env"), "nerve", "-c", file.toString(), "--check-config", "-i", "flag"))
                .isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id flag, 0 service(s)\n");
        assertThat(run(Map.of(), "nerve", "-c", file.toString(), "--check-config", "-i", "a b")).isEqualTo(2);
        assertThat(err.strip()).isEqualTo("smartstack: " + file
                + ": instance_id: the -i/NERVE_INSTANCE_ID value must be 1 to 200 characters of [A-Za-z0-9._:@-] but was \"a b\"");
    }

    @Test
    void serviceConfDir_eachFileIsAService() throws IOException {
        Path conf = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(conf.resolve("db.yaml"), "host: 127.0.0.1\nport: 5432\nzk_hosts: [\"127.0.0.1:2181\"]\nzk_path: /nerve/db\n");
        Files.writeString(conf.resolve("cache.json"), "{" + WEB + ", \"port\": \"x\"}");
        Files.writeString(dir.resolve("nerve.json"), "{\"instance_id\": \"i\", \"services\": {}, \"service_conf_dir\": \"conf.d\"}");
        assertThat(run(Map.of(), "nerve", "-c", dir.resolve("nerve.json").toString(), "--check-config")).isEqualTo(2);
        assertThat(err.strip()).startsWith("smartstack: " + conf.resolve("cache.json") + ": ");
        Files.delete(conf.resolve("cache.json"));
        assertThat(run(Map.of(), "nerve", "-c", dir.resolve("nerve.json").toString(), "--check-config")).isEqualTo(0);
        assertThat(out).endsWith(": OK: instance_id i, 1 service(s): db\n");
    }

    @Test
    void synapse_withoutConfig_exits2() {
        assertThat(run(Map.of(), "synapse")).isEqualTo(2);
        assertThat(err).startsWith("Missing required option: '--config=FILE'");
    }

    @Test
    void unknownOption_exits2() {
        assertThat(run(Map.of(), "nerve", "--config", "x.json", "--bogus")).isEqualTo(2);
        assertThat(err).contains("Unknown option: '--bogus'");
    }
}
