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

/** {@code smartstack synapse --check-config}: the summary, and one exact line per config error. */
class SynapseMainTest {
    @TempDir
    Path dir;

    private String out;
    private String err;

    private int check(String fileName, String content) throws IOException {
        Path file = dir.resolve(fileName);
        Files.writeString(file, content);
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(Map.of(), new PrintWriter(o, true), new PrintWriter(e, true),
                "synapse", "--config", file.toString(), "--check-config");
        out = o.toString();
        err = e.toString();
        return code;
    }

    private String errorFor(String content) throws IOException {
        return errorFor("synapse.conf.json", content);
    }

    private String errorFor(String fileName, String content) throws IOException {
        assertThat(check(fileName, content)).isEqualTo(2);
        assertThat(out).isEmpty();
        assertThat(err).endsWith("\n").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(err.lines().count()).isEqualTo(1);
        return err.strip().replace(dir.resolve(fileName).toString(), fileName);
    }

    private static final String DISCOVERY = "\"discovery\": {\"method\": \"zookeeper\", \"path\": \"/nerve/services/web\", "
            + "\"hosts\": [\"127.0.0.1:2181\"]}";
    private static final String FILE_OUTPUT = "\"file_output\": {\"output_directory\": \"/tmp/synapse\"}";
    private static final String HAPROXY = "\"haproxy\": {\"global\": [\"daemon\"], \"defaults\": [\"mode http\"], "
            + "\"config_file_path\": \"/tmp/haproxy.cfg\", \"reload_command\": \"/bin/true\", "
            + "\"socket_file_path\": \"/tmp/haproxy.sock\"";

    /** A config with the web service given as {@code service} (an object's inside) and {@code file_output}. */
    private static String withService(String service) {
        return "{" + FILE_OUTPUT + ", \"services\": {\"web\": {" + service + "}}}";
    }

    private static String withHaproxy(String globalExtra, String serviceHaproxy) {
        return "{" + HAPROXY + globalExtra + "}, \"services\": {\"web\": {" + DISCOVERY
                + (serviceHaproxy == null ? "" : ", \"haproxy\": {" + serviceHaproxy + "}") + "}}}";
    }

    @Test
    void checkConfig_everyServiceKey_printsSummaryAndExits0() throws IOException {
        String config = "{" + FILE_OUTPUT + ", \"zk_session_timeout\": 4, \"statsd\": {}, \"services\": {"
                + "\"web\": {\"discovery\": {\"method\": \"zookeeper\", \"path\": \"/nerve/services/web\","
                + " \"hosts\": [\"127.0.0.1:2181\", \"127.0.0.1:2182\"], \"decode\": {\"method\": \"serverset\","
                + " \"endpoint_name\": \"http\"}, \"label_filters\": [{\"label\": \"az\", \"value\": \"a\","
                + " \"condition\": \"not-equals\"}]},"
                + " \"default_servers\": [{\"name\": \"d1\", \"host\": \"127.0.0.1\", \"port\": 8080}, {\"host\": \"localhost\", \"port\": 8081}],"
                + " \"keep_default_servers\": true, \"use_previous_backends\": false, \"backend_port_override\": 9000,"
                + " \"leader_election\": true},"
                + " \"static\": {\"discovery\": {\"method\": \"base\"}, \"default_servers\": [{\"name\": \"s\", \"host\": \"127.0.0.1\", \"port\": 1}]}}}";
        assertThat(check("synapse.conf.json", config)).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).isEqualTo("smartstack: " + dir.resolve("synapse.conf.json")
                + ": OK: 2 service(s): web, static; generators: file_output\n");
    }

    @Test
    void checkConfig_yaml_exits0() throws IOException {
        String yaml = """
                file_output:
                  output_directory: /tmp/synapse
                services:
                  web:
                    discovery:
                      method: zookeeper
                      path: /nerve/services/web
                      hosts: ["127.0.0.1:2181"]
                      decode: {method: curator}
                """;
        assertThat(check("synapse.yaml", yaml)).isEqualTo(0);
        assertThat(out).endsWith(": OK: 1 service(s): web; generators: file_output\n");
    }

    @Test
    void checkConfig_wrongTypeInYaml_namesKey() throws IOException {
        String yaml = """
                file_output: {output_directory: /tmp/synapse}
                services:
                  web:
                    discovery: {method: zookeeper, path: /a, hosts: ["127.0.0.1:2181"]}
                    backend_port_override: eighty
                """;
        assertThat(errorFor("synapse.yml", yaml)).isEqualTo(
                "smartstack: synapse.yml: services.web.backend_port_override: expected an integer in [1, 65535] but was \"eighty\"");
    }

    @Test
    void checkConfig_unknownKeys_namedAtEachLevel() throws IOException {
        assertThat(errorFor("{" + FILE_OUTPUT + ", \"services\": {}, \"colour\": 1}")).isEqualTo(
                "smartstack: synapse.conf.json: colour: unknown key; supported keys here are admin, file_output, haproxy, "
                        + "service_conf_dir, services, statsd, zk_auth, zk_session_timeout, zk_tls");
        assertThat(errorFor(withService(DISCOVERY + ", \"colour\": 1"))).isEqualTo(
                "smartstack: synapse.conf.json: services.web.colour: unknown key; supported keys here are backend_port_override, "
                        + "default_servers, discovery, discovery_multi, file_output, haproxy, keep_default_servers, leader_election, "
                        + "load_test_concurrency, use_previous_backends");
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"colour\": 1}")))).isEqualTo(
                "smartstack: synapse.conf.json: services.web.discovery.colour: unknown key; supported keys here are "
                        + "check_interval, decode, discovery_jitter, generator_config_path, hosts, label_filter, label_filters, method, "
                        + "nameserver, path, polling_interval_sec, resolver, retry_policy, servers, watchers");
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"decode\": {\"method\": \"nerve\", \"colour\": 1}}")))).isEqualTo(
                "smartstack: synapse.conf.json: services.web.discovery.decode.colour: unknown key; supported keys here are "
                        + "endpoint_name, method");
        assertThat(errorFor(withService(DISCOVERY + ", \"default_servers\": [{\"host\": \"h\", \"port\": 1, \"weight\": 2}]")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.default_servers[0].weight: unknown key; "
                        + "supported keys here are host, labels, name, port");
        assertThat(errorFor("{\"file_output\": {\"output_directory\": \"/tmp\", \"mode\": 1}, \"services\": {}}")).isEqualTo(
                "smartstack: synapse.conf.json: file_output.mode: unknown key; supported keys here are output_directory");
        assertThat(errorFor(withHaproxy(", \"shared_frontends\": []", null))).startsWith(
                "smartstack: synapse.conf.json: haproxy.shared_frontends: unknown key; supported keys here are bind_address, ");
        assertThat(errorFor(withHaproxy("", "\"port\": 3000, \"shared_frontends\": []"))).isEqualTo(
                "smartstack: synapse.conf.json: services.web.haproxy.shared_frontends: unknown key; supported keys here are "
                        + "backend, backend_name, backend_order, bind_address, bind_options, cookie_value_method, disabled, "
                        + "frontend, listen, port, server_options, server_port_override, shared_frontend, use_nerve_weights");
    }

    @Test
    void checkConfig_nullExtraSectionLine_namesKey() throws IOException {
        // Found by ConfigFuzzTest: a null line was a NullPointerException without the file.
        assertThat(errorFor(withHaproxy(", \"extra_sections\": {\"listen stats\": [null]}", null))).isEqualTo(
                "smartstack: synapse.conf.json: haproxy.extra_sections.listen stats[0]: expected a single line of "
                        + "HAProxy config but was null");
    }

    @Test
    void checkConfig_wrongTypes_namedWithValue() throws IOException {
        assertThat(errorFor("{" + FILE_OUTPUT + ", \"services\": []}"))
                .isEqualTo("smartstack: synapse.conf.json: services: expected an object but was a list");
        assertThat(errorFor(withService("\"discovery\": \"zookeeper\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery: expected an object but was \"zookeeper\"");
        assertThat(errorFor(withService(DISCOVERY.replace("[\"127.0.0.1:2181\"]", "\"127.0.0.1:2181\""))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.hosts: expected a non-empty list of strings but was \"127.0.0.1:2181\"");
        assertThat(errorFor(withService(DISCOVERY.replace("127.0.0.1:2181", "zk1"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.hosts[0]: expected host:port but was \"zk1\"");
        assertThat(errorFor(withService(DISCOVERY + ", \"keep_default_servers\": \"yes\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.keep_default_servers: expected true or false but was \"yes\"");
        assertThat(errorFor(withService(DISCOVERY + ", \"backend_port_override\": 70000")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.backend_port_override: expected an integer in [1, 65535] but was 70000");
        assertThat(errorFor(withService(DISCOVERY + ", \"default_servers\": [{\"host\": \"bad host\", \"port\": 1}]")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.default_servers[0].host: expected a DNS name or an IP address but was \"bad host\"");
        assertThat(errorFor(withService(DISCOVERY + ", \"default_servers\": {\"host\": \"h\"}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.default_servers: expected a list but was an object");
        assertThat(errorFor("{" + FILE_OUTPUT + ", \"zk_session_timeout\": \"long\", \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: zk_session_timeout: expected a number of seconds in (0, 86400] but was \"long\"");
    }

    @Test
    void checkConfig_missingDiscoveryPath_namesKey() throws IOException {
        assertThat(errorFor(withService("\"discovery\": {\"method\": \"zookeeper\", \"hosts\": [\"127.0.0.1:2181\"]}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.path: required key is missing");
        assertThat(errorFor(withService("\"discovery\": {\"method\": \"zookeeper\", \"path\": \"/a\"}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.hosts: required key is missing");
        assertThat(errorFor(withService("\"discovery\": {\"method\": \"zookeeper\", \"path\": \"nerve/web\", \"hosts\": [\"127.0.0.1:2181\"]}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.path: expected an absolute ZooKeeper path "
                        + "such as /nerve/services/web but was \"nerve/web\"");
        assertThat(errorFor(withService("\"default_servers\": []")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery: required key is missing");
    }

    @Test
    void checkConfig_badMethod_namesValue() throws IOException {
        assertThat(errorFor(withService(DISCOVERY.replace("zookeeper", "consul"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.method: expected \"zookeeper\", "
                        + "\"zookeeper_poll\", \"dns\", \"multi\" or \"base\" but was \"consul\"");
        for (String method : new String[] {"docker", "ec2tag", "marathon", "zookeeper_dns"}) {
            assertThat(errorFor(withService("\"discovery\": {\"method\": \"" + method + "\"}")))
                    .startsWith("smartstack: synapse.conf.json: services.web.discovery.method: \"" + method
                            + "\" is not supported: it ");
        }
        assertThat(errorFor(withService("\"discovery\": {\"path\": \"/a\"}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.method: required key is missing");
        assertThat(errorFor(withService("\"discovery\": {\"method\": \"base\", \"path\": \"/a\"}")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.path: only applies to method \"zookeeper\", "
                        + "but this service's method is \"base\"");
    }

    @Test
    void checkConfig_badDecodeMethod_namesValue() throws IOException {
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"decode\": {\"method\": \"thrift\"}}"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.decode.method: expected \"nerve\", "
                        + "\"serverset\" or \"curator\" but was \"thrift\"");
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"decode\": {\"method\": \"nerve\", \"endpoint_name\": \"x\"}}"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.decode.endpoint_name: only applies to "
                        + "decode method \"serverset\", but this one is \"nerve\"");
    }

    @Test
    void checkConfig_labelFilterConditionWrong_namesValue() throws IOException {
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"label_filters\": [{\"label\": \"az\", \"value\": \"a\", "
                + "\"condition\": \"matches\"}]}"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.label_filters[0].condition: expected "
                        + "\"equals\" or \"not-equals\" but was \"matches\"");
        assertThat(errorFor(withService(DISCOVERY.replace("}", ", \"label_filters\": [{\"label\": \"az\", \"condition\": \"equals\"}]}"))))
                .isEqualTo("smartstack: synapse.conf.json: services.web.discovery.label_filters[0].value: required key is missing");
    }

    @Test
    void checkConfig_noGenerator_refused() throws IOException {
        assertThat(errorFor("{\"services\": {\"web\": {" + DISCOVERY + "}}}")).isEqualTo(
                "smartstack: synapse.conf.json: at least one generator is required: add \"file_output\" or \"haproxy\"");
        assertThat(errorFor("{\"file_output\": {}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: file_output.output_directory: required key is missing");
    }

    @Test
    void checkConfig_statsd_acceptedWithItsKeys_typosRefused() throws IOException {
        assertThat(check("synapse.conf.json", "{" + FILE_OUTPUT + ", \"statsd\": {\"host\": \"localhost\", \"port\": 8125, "
                + "\"sample_rate\": {\"synapse.watcher.ping.count\": 0.1}}, \"services\": {}}")).isEqualTo(0);
        assertThat(errorFor("{" + FILE_OUTPUT + ", \"statsd\": {\"hots\": \"localhost\"}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: statsd.hots: unknown key; supported keys here are host, port, "
                        + "sample_rate");
    }

    @Test
    void checkConfig_haproxySectionWrong_namesKey() throws IOException {
        assertThat(errorFor("{\"haproxy\": {\"defaults\": []}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.global: required key is missing");
        assertThat(errorFor("{\"haproxy\": {\"global\": \"daemon\", \"defaults\": []}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.global: expected a list of strings but was \"daemon\"");
        assertThat(errorFor("{\"haproxy\": {\"global\": [\"daemon\\n\"], \"defaults\": []}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.global[0]: expected a single line of HAProxy config but was \"daemon\\n\"");
        assertThat(errorFor("{\"haproxy\": {\"global\": [], \"defaults\": []}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.config_file_path: required key is missing (do_writes is on)");
        assertThat(errorFor("{\"haproxy\": {\"global\": [], \"defaults\": [], \"config_file_path\": \"/tmp/h.cfg\"}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.reload_command: required key is missing "
                        + "(do_reloads is on and manage_process is off)");
        assertThat(errorFor("{\"haproxy\": {\"global\": [], \"defaults\": [], \"config_file_path\": \"/tmp/h.cfg\", "
                + "\"reload_command\": \"/bin/true\"}, \"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.socket_file_path: required key is missing (do_socket is on)");
        assertThat(errorFor("{\"haproxy\": {\"global\": [], \"defaults\": [], \"do_writes\": false, \"manage_process\": true}, "
                + "\"services\": {}}"))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.manage_process: needs do_writes on (the agent runs HAProxy "
                        + "from the file it writes)");
        assertThat(errorFor(withHaproxy(", \"restart_jitter\": 2", null)))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.restart_jitter: expected a number in [0, 1] but was 2");
        assertThat(errorFor(withHaproxy(", \"restart_interval\": -1", null)))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.restart_interval: expected a number of seconds in [0, 86400] but was -1");
        assertThat(errorFor(withHaproxy(", \"bind_address\": \"0.0.0.0 ssl\"", null)))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.bind_address: expected one token of [A-Za-z0-9._:[]*-] but was \"0.0.0.0 ssl\"");
        assertThat(errorFor(withHaproxy(", \"extra_sections\": {\"listen stats\": \"bind :8404\"}", null)))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.extra_sections.listen stats: expected a list of strings but was \"bind :8404\"");
        assertThat(errorFor(withHaproxy(", \"max_server_id\": 0", null)))
                .isEqualTo("smartstack: synapse.conf.json: haproxy.max_server_id: expected an integer in [1, 2147483647] but was 0");
    }

    @Test
    void checkConfig_everyHaproxyKey_exits0() throws IOException {
        String config = "{" + FILE_OUTPUT + ", " + HAPROXY + ", \"extra_sections\": {\"listen stats\": [\"bind 127.0.0.1:8404\"]}, "
                + "\"do_writes\": true, \"do_reloads\": true, \"do_socket\": true, \"restart_interval\": 0, "
                + "\"restart_jitter\": 0.5, \"state_file_path\": \"/tmp/synapse.state\", \"state_file_ttl\": 3600, "
                + "\"bind_address\": \"127.0.0.1\", \"use_nerve_weights\": true, \"max_server_id\": 1000, "
                + "\"haproxy_path\": \"/usr/sbin/haproxy\", \"manage_process\": false}, \"services\": {\"web\": {" + DISCOVERY
                + ", \"haproxy\": {\"port\": 3000, \"bind_address\": \"127.0.0.1\", \"bind_options\": \"accept-proxy\", "
                + "\"server_options\": \"check inter %{port}\", \"listen\": [\"mode http\"], \"frontend\": [\"option httplog\"], "
                + "\"backend\": [\"balance roundrobin\"], \"backend_name\": \"web_be\", \"backend_order\": \"asc\", "
                + "\"cookie_value_method\": \"hash\", \"disabled\": false}}, "
                + "\"static\": {\"discovery\": {\"method\": \"base\"}, \"haproxy\": {\"backend_order\": \"no_shuffle\"}}}}";
        assertThat(check("synapse.conf.json", config)).isEqualTo(0);
        assertThat(err).isEmpty();
        assertThat(out).endsWith(": OK: 2 service(s): web, static; generators: file_output, haproxy\n");
    }

    @Test
    void checkConfig_managedHaproxyWithoutSocketOrReloadCommand_exits0() throws IOException {
        assertThat(check("synapse.conf.json", "{\"haproxy\": {\"global\": [], \"defaults\": [], \"manage_process\": true, "
                + "\"config_file_path\": \"/tmp/h.cfg\"}, \"services\": {}}")).isEqualTo(0);
        assertThat(out).endsWith(": OK: 0 service(s); generators: haproxy\n");
    }

    @Test
    void checkConfig_duplicateBackendName_namesBoth() throws IOException {
        assertThat(errorFor("{" + HAPROXY + "}, \"services\": {\"web\": {" + DISCOVERY + ", \"haproxy\": {}}, "
                + "\"api\": {" + DISCOVERY + ", \"haproxy\": {\"backend_name\": \"web\"}}}}"))
                .isEqualTo("smartstack: synapse.conf.json: services.api.haproxy.backend_name: backend \"web\" is also "
                        + "used by service \"web\"");
    }

    @Test
    void checkConfig_serviceHaproxySectionWrong_namesKey() throws IOException {
        assertThat(errorFor(withHaproxy("", "\"port\": 0")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.port: expected an integer in [1, 65535] or null "
                        + "but was 0");
        assertThat(errorFor(withHaproxy("", "\"port\": \"80\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.port: expected an integer in [1, 65535] or null "
                        + "but was \"80\"");
        assertThat(errorFor(withHaproxy("", "\"backend_order\": \"random\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.backend_order: expected \"asc\", \"desc\" or "
                        + "\"no_shuffle\" but was \"random\"");
        assertThat(errorFor(withHaproxy("", "\"cookie_value_method\": \"md5\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.cookie_value_method: expected \"name\" or "
                        + "\"hash\" but was \"md5\"");
        assertThat(errorFor(withHaproxy("", "\"backend\": [\"balance roundrobin\\nserver x 1.2.3.4:1\"]")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.backend[0]: expected a single line of HAProxy "
                        + "config but was \"balance roundrobin\\nserver x 1.2.3.4:1\"");
        assertThat(errorFor(withHaproxy("", "\"backend_name\": \"web backend\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.backend_name: expected one token of "
                        + "[A-Za-z0-9._:-] but was \"web backend\"");
        assertThat(errorFor(withHaproxy("", "\"server_options\": \"check # inter 1s\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.server_options: must not contain '#' but "
                        + "was \"check # inter 1s\"");
        assertThat(errorFor(withHaproxy("", "\"bind_address\": \"a b\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy: bind_address must be one token of "
                        + "[A-Za-z0-9._:/@[]*-] but was \"a b\"");
        assertThat(errorFor(withHaproxy("", "\"port\": 80, \"bind_address\": \"/run/web.sock\"")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy: bind_address \"/run/web.sock\" is a socket "
                        + "path, which needs port: null");
        assertThat(errorFor(withHaproxy(", \"manage_process\": true", "\"port\": 80").replace(
                "\"socket_file_path\": \"/tmp/haproxy.sock\"", "\"socket_file_path\": [\"/tmp/a.sock\", \"/tmp/b.sock\"]")))
                .isEqualTo("smartstack: synapse.conf.json: haproxy: manage_process runs one HAProxy, which takes one "
                        + "socket_file_path but was [/tmp/a.sock, /tmp/b.sock]");
        assertThat(errorFor(withHaproxy("", "\"disabled\": 1")))
                .isEqualTo("smartstack: synapse.conf.json: services.web.haproxy.disabled: expected true or false but was 1");
    }

    @Test
    void checkConfig_invalidYaml_namesLine() throws IOException {
        assertThat(errorFor("synapse.yaml", "services:\n  web: [\n")).startsWith("smartstack: synapse.yaml: line ");
        assertThat(err).contains("invalid YAML: ");
    }

    /** Issue 12 config fuzz: a valid config followed by a second object was read as the first one. */
    @Test
    void checkConfig_contentAfterTheConfig_isRefusedNotIgnored() throws IOException {
        String valid = withService(DISCOVERY);
        assertThat(check("synapse.conf.json", valid)).isEqualTo(0);
        assertThat(errorFor(valid + " {\"services\": {}}")).startsWith("smartstack: synapse.conf.json: line 1, column ")
                .contains("invalid JSON: ");
        assertThat(errorFor(valid + "junk")).contains("invalid JSON: ");
        assertThat(errorFor("synapse.yaml", "file_output: {output_directory: /tmp/synapse}\nservices: {}\n---\nservices: {}\n"))
                .contains("invalid YAML: ");
    }

    /** Issue 12 config fuzz: an unknown key holding a CR or LF split the one-line error in two. */
    @Test
    void checkConfig_unknownKeyWithNewline_staysOneLineWithTheKeyEscaped() throws IOException {
        assertThat(errorFor("{" + FILE_OUTPUT + ", \"se\\rvi\\nces\": {}}"))
                .startsWith("smartstack: synapse.conf.json: se\\rvi\\nces: unknown key; supported keys here are ");
    }

    /** Issue 12 config fuzz: a file that is not UTF-8 gave "(MalformedInputException: Input length = 1)". */
    @Test
    void checkConfig_notUtf8_saysSoWithoutAnExceptionName() throws IOException {
        Path file = dir.resolve("synapse.conf.json");
        Files.write(file, new byte[] {'{', (byte) 0xff, '}'});
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        assertThat(Main.run(Map.of(), new PrintWriter(o, true), new PrintWriter(e, true),
                "synapse", "--config", file.toString(), "--check-config")).isEqualTo(2);
        assertThat(e.toString()).isEqualTo("smartstack: " + file + ": cannot read the file: it is not UTF-8 text\n");
    }

    @Test
    void serviceConfDir_eachFileIsAService() throws IOException {
        Path conf = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(conf.resolve("db.yaml"), "discovery: {method: zookeeper, path: /nerve/db, hosts: [\"127.0.0.1:2181\"]}\n");
        Files.writeString(conf.resolve("cache.json"), "{\"discovery\": {\"method\": \"docker\"}}");
        String top = "{" + FILE_OUTPUT + ", \"service_conf_dir\": \"conf.d\", \"services\": {}}";
        assertThat(check("synapse.json", top)).isEqualTo(2);
        assertThat(err.strip()).isEqualTo("smartstack: " + conf.resolve("cache.json")
                + ": discovery.method: \"docker\" is not supported: it reads the Docker API, which this agent does not "
                + "(supported: \"zookeeper\", \"zookeeper_poll\", \"dns\", \"multi\" or \"base\")");
        Files.delete(conf.resolve("cache.json"));
        assertThat(check("synapse.json", top)).isEqualTo(0);
        assertThat(out).endsWith(": OK: 1 service(s): db; generators: file_output\n");
    }
}
