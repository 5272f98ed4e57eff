package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.SynapseAdminIT.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smartstack.discovery.agent.config.NerveConfig;
import dev.smartstack.discovery.agent.config.SynapseConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics table of {@code docs/operations.md} against what both agents really emit: after a
 * short real run (a real ZooKeeper stopped for longer than the session timeout and restarted, a
 * JDK backend whose health check fails once, a managed HAProxy that is killed once, a znode refused,
 * a weight HAProxy refuses at run time, an invalid and an unbindable HAProxy config, a
 * {@code file_output} that cannot write), every documented metric is on {@code /metrics} with
 * exactly its documented type and tag keys, and every {@code smartstack_} metric emitted is
 * documented. Also checks values: the refused znode counts once, check latency and reload
 * duration have a count, each session loss is counted, {@code /health} is 503 during the outage
 * and 200 after.
 */
class MetricsTableIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/nerve/services/web/services";
    private static final Path TABLE = Path.of("..", "docs", "operations.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(smartstack\\.[a-z.]+)` \\| (counter|timer|gauge) \\| ([^|]+) \\|");
    private static final Pattern SAMPLE = Pattern.compile("^(smartstack_[a-z_]+)(?:\\{([^}]*)})? ");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    /** A documented row: its type and the tag keys it names. */
    record Row(String type, Set<String> tags) {
    }

    static Map<String, Row> documented() throws IOException {
        Map<String, Row> rows = new TreeMap<>();
        String section = Files.readString(TABLE).split("\n## Metrics\n", 2)[1];
        for (String line : section.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                Set<String> tags = new TreeSet<>();
                for (String t : m.group(3).replaceAll("\\([^)]*\\)", "").split(",")) {
                    if (!t.isBlank() && !t.strip().equals("—")) {
                        tags.add(t.strip());
                    }
                }
                rows.put(m.group(1), new Row(m.group(2), tags));
            }
        }
        return rows;
    }

    /** Each Prometheus sample name in a scrape with the label keys it carries. */
    static Map<String, Set<String>> samples(String scrape) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.find()) {
                Set<String> keys = out.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        keys.add(l.group(1));
                    }
                }
            }
        }
        return out;
    }

    /** The Prometheus sample a documented meter must show, by its type. */
    static String sampleName(String metric, String type) {
        String base = metric.replace('.', '_');
        return switch (type) {
            case "counter" -> base + "_total";
            case "timer" -> base + "_seconds_count";
            default -> base;
        };
    }

    /** The meter a Prometheus sample belongs to, as a Micrometer name with its type. */
    static String meterOf(String sample) {
        for (String[] suffix : new String[][] {{"_total", "counter"}, {"_seconds_count", "timer"}, {"_seconds_sum", "timer"},
                {"_seconds_max", "timer"}}) {
            if (sample.endsWith(suffix[0])) {
                return sample.substring(0, sample.length() - suffix[0].length()).replace('_', '.') + " " + suffix[1];
            }
        }
        return sample.replace('_', '.') + " gauge";
    }

    private static double value(String scrape, String sample, String labels) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(sample + "{") && line.contains(labels)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** Whether HAProxy reloaded after the last runtime command error on {@code /status}. */
    private static boolean reloadedSinceLastRuntimeError(int port) throws Exception {
        com.fasterxml.jackson.databind.JsonNode haproxy = JSON.readTree(get(port, "/status").body()).get("haproxy");
        com.fasterxml.jackson.databind.JsonNode errors = haproxy.get("runtimeErrors");
        if (errors.isEmpty() || haproxy.get("lastReload").isNull()) {
            return false;
        }
        return java.time.Instant.parse(haproxy.at("/lastReload/time").asText())
                .isAfter(java.time.Instant.parse(errors.get(errors.size() - 1).get("time").asText()));
    }

        private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static boolean serves(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String synapseConfig(int zkPort, int front, String backendLines) {
        return """
                {
                  "zk_session_timeout": 2,
                  "admin": {"port": 0},
                  "file_output": {"output_directory": "%s"},
                  "haproxy": {
                    "manage_process": true,
                    "haproxy_path": "/usr/sbin/haproxy",
                    "config_file_path": "%s",
                    "restart_interval": 0.2,
                    "use_nerve_weights": true,
                    "bind_address": "127.0.0.1",
                    "global": [],
                    "defaults": ["mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"]
                  },
                  "services": {
                    "web": {
                      "discovery": {"method": "zookeeper", "path": "%s", "hosts": ["127.0.0.1:%d"]},
                      "haproxy": {"port": %d, "backend": [%s]}
                    }
                  }
                }
                """.formatted(dir.resolve("not-a-directory").resolve("out"), dir.resolve("haproxy.cfg"), PATH, zkPort,
                front, backendLines);
    }

    private SynapseAgent synapse(String json) throws IOException {
        Path file = Files.writeString(dir.resolve("synapse-" + json.hashCode() + ".conf.json"), json);
        return SynapseAgent.plan(SynapseConfig.load(file, file.toString()), file.toString());
    }

    @Test
    void metricsTable_afterARealRun_everyDocumentedMetricIsEmittedAndEveryEmittedOneDocumented() throws Exception {
        Map<String, Row> table = documented();
        assertThat(table).hasSizeGreaterThan(15);
        Files.writeString(dir.resolve("not-a-directory"), "a file: file_output cannot write under it\n");
        InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1);
        int front = freePort();
        try (TestingServer zk = new TestingServer(spec, true); HealthServer backend = new HealthServer();
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            writer.create().creatingParentsIfNeeded().forPath(PATH + "/bad-port_0000000001",
                    "{\"name\": \"bad\", \"host\": \"127.0.0.1\", \"port\": 70000}".getBytes(StandardCharsets.UTF_8));
            Path nerveFile = Files.writeString(dir.resolve("nerve.conf.json"), """
                    {
                      "instance_id": "agent-1",
                      "zk_session_timeout": 2,
                      "admin": {"port": 0},
                      "services": {
                        "web": {
                          "host": "127.0.0.1", "port": %d, "zk_hosts": ["%s"], "zk_path": "%s", "check_interval": 0.1,
                          "checks": [{"type": "http", "uri": "/health", "timeout": 2, "rise": 1, "fall": 1}]
                        }
                      }
                    }
                    """.formatted(backend.port(), zk.getConnectString(), PATH));
            try (NerveAgent nerve = NerveAgent.plan(NerveConfig.load(nerveFile, "nerve.conf.json", null), "nerve.conf.json")
                    .start();
                    SynapseAgent synapse = synapse(synapseConfig(zk.getPort(), front, "\"balance source\"")).start()) {
                int n = nerve.adminPort().orElseThrow();
                int s = synapse.adminPort().orElseThrow();
                await().atMost(WAIT).until(() -> serves(front));

                // a join at run time, then a weight HAProxy refuses at run time (static algorithm)
                String w = PATH + "/w_0000000002";
                writer.create().forPath(w, ("{\"name\": \"w\", \"host\": \"127.0.0.1\", \"port\": " + backend.port()
                        + ", \"weight\": 10}").getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> get(s, "/metrics").body().contains("smartstack_haproxy_runtime_latency_seconds_count"));
                writer.setData().forPath(w, ("{\"name\": \"w\", \"host\": \"127.0.0.1\", \"port\": " + backend.port()
                        + ", \"weight\": 3}").getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> get(s, "/metrics").body().contains("smartstack_haproxy_runtime_command_failed_total"));

                // the health check fails once: deregistered, then registered again
                backend.healthy.set(false);
                await().atMost(WAIT).until(() -> !nerve.isRegistered("web"));
                backend.healthy.set(true);
                await().atMost(WAIT).until(() -> nerve.isRegistered("web"));

                // the managed HAProxy crashes (master and workers killed), once the reloads that follow the
                // refused runtime commands are done: a reload waiting for a master killed under it gives up
                // only after 15 s
                await().atMost(WAIT).until(() -> reloadedSinceLastRuntimeError(s));
                ProcessHandle master = ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("haproxy.cfg.pid")).strip()))
                        .orElseThrow();
                List<ProcessHandle> workers = master.children().toList();
                master.destroyForcibly();
                workers.forEach(ProcessHandle::destroyForcibly);
                await().atMost(WAIT).until(() -> get(s, "/metrics").body().contains("smartstack_haproxy_process_exited_total"));
                await().atMost(WAIT).until(() -> serves(front));

                // ZooKeeper away for longer than the session timeout: both sessions are lost, both agents unhealthy
                zk.stop();
                await().atMost(WAIT).until(() -> get(n, "/health").code() == 503 && get(s, "/health").code() == 503);
                await().atMost(WAIT).until(() -> get(n, "/metrics").body().contains("smartstack_nerve_zookeeper_session_expired_total")
                        && get(s, "/metrics").body().contains("smartstack_synapse_zookeeper_session_expired_total"));
                zk.restart();
                await().atMost(WAIT).until(() -> get(n, "/health").code() == 200 && get(s, "/health").code() == 200);
                await().atMost(WAIT).until(() -> nerve.isRegistered("web"));

                // an operator line haproxy -c refuses, then a frontend port HAProxy cannot bind
                assertThat(synapse.reconfigure(synapse(synapseConfig(zk.getPort(), front, "\"balance source\", \"no-such-keyword\"")))).isTrue();
                await().atMost(WAIT).until(() -> get(s, "/metrics").body().contains("smartstack_haproxy_config_invalid_total"));
                try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                    String config = synapseConfig(zk.getPort(), front, "\"balance source\"")
                            .replace("\"port\": " + front, "\"port\": " + taken.getLocalPort());
                    assertThat(synapse.reconfigure(synapse(config))).isTrue();
                    await().atMost(WAIT).until(() -> get(s, "/metrics").body().contains("smartstack_haproxy_reload_failed_total"));
                }

                String nerveScrape = get(n, "/metrics").body();
                String synapseScrape = get(s, "/metrics").body();
                Map<String, Set<String>> emitted = new HashMap<>(samples(nerveScrape));
                emitted.putAll(samples(synapseScrape));
                List<String> missing = new ArrayList<>();
                table.forEach((metric, row) -> {
                    Set<String> keys = emitted.get(sampleName(metric, row.type()));
                    if (keys == null) {
                        missing.add(metric + " (" + row.type() + ") is documented but not emitted");
                    } else if (!keys.equals(row.tags())) {
                        missing.add(metric + " is documented with tags " + row.tags() + " but emitted with " + keys);
                    }
                });
                emitted.keySet().stream().map(MetricsTableIT::meterOf).distinct()
                        .filter(m -> !table.containsKey(m.split(" ")[0]) || !table.get(m.split(" ")[0]).type().equals(m.split(" ")[1]))
                        .forEach(m -> missing.add(m + " is emitted but not in the table"));
                assertThat(missing).as("docs/operations.md's metrics table against /metrics").isEmpty();

                assertThat(value(synapseScrape, "smartstack_synapse_znode_refused_total", "detail=\"port\",service=\"web\""))
                        .isEqualTo(1.0);
                assertThat(value(nerveScrape, "smartstack_nerve_check_latency_seconds_count", "detail=\"healthy\""))
                        .isPositive();
                assertThat(value(nerveScrape, "smartstack_nerve_check_latency_seconds_count", "detail=\"unhealthy\""))
                        .isPositive();
                assertThat(value(synapseScrape, "smartstack_haproxy_reload_duration_seconds_count", "detail=\"success\""))
                        .isGreaterThanOrEqualTo(2); // the first start and the start after the crash
                assertThat(value(synapseScrape, "smartstack_synapse_snapshot_latency_seconds_count", "detail=\"haproxy\""))
                        .isPositive();
                assertThat(value(nerveScrape, "smartstack_nerve_zookeeper_session_expired_total", "service=\"web\""))
                        .isGreaterThanOrEqualTo(1);
                assertThat(value(nerveScrape, "smartstack_nerve_registered_total", "service=\"web\"")).isGreaterThanOrEqualTo(3);
                assertThat(JSON.readTree(get(s, "/status").body()).at("/haproxy/processExits").asLong()).isEqualTo(1);
            }
        }
    }
}
