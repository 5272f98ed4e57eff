package dev.smartstack.discovery.agent;

import static dev.smartstack.discovery.agent.SynapseAgentIT.backends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.HostileZnodes;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ZnodeDecoder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;

/**
 * The running agent under hostile writes: a real {@code bin/smartstack synapse} process with a
 * managed HAProxy and file_output, three JDK HTTP backends on 127.0.0.1 and bounded traffic
 * through the frontend. While generated hostile znodes (and znodes whose every field tries to run
 * a shell command) land beside the good ones, every request succeeds, every good backend keeps
 * getting traffic, nothing ran a command, and the config HAProxy runs holds none of the hostile
 * text and passes {@code haproxy -c}. jqwik prints the seed of a failing run (no shrinking: each
 * run starts processes).
 */
class HostileAgentIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PATH = "/nerve/services/web/services";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where HostileZnodes' own shell payloads would leave a file. */
    private static final Path GENERATOR_MARKER = Path.of("/tmp/smartstack-pwned");

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, HostileZnodes.Payload>>> hostile() {
        return Combinators.combine(HostileZnodes.childNames(), HostileZnodes.payloads()).as((n, p) -> Tuple.of(n, p))
                // never-valid kinds whatever the decoder says (so that a decoder bug shows here too),
                // and whatever else the decoder refuses: valid ones would be dead backends
                .filter(t -> HostileZnodes.NEVER_VALID_KINDS.contains(t.get2().kind()) || refused(t.get1(), t.get2().data()))
                // not a name the test creates itself (the good backends a_, b_, c_ and the shell_
                // payloads are sequential): "a_0000000000" made the create fail with NodeExists
                .filter(t -> !t.get1().matches("(a|b|c|shell)_\\d{10}"))
                .list().ofMinSize(150).ofMaxSize(150).uniqueElements(Tuple.Tuple2::get1);
    }

    private static boolean refused(String child, byte[] data) {
        try {
            ZnodeDecoder.nerve().decode(child, data);
            return false;
        } catch (InvalidInstanceException e) {
            return true;
        }
    }

    @Property(tries = 1, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
    void runningAgent_hostileWritesLand_goodBackendsServeEveryRequestAndNothingRuns(
            @ForAll("hostile") List<Tuple.Tuple2<String, HostileZnodes.Payload>> hostile) throws Exception {
        Files.deleteIfExists(GENERATOR_MARKER);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hostile-agent-");
        List<HttpServer> servers = new ArrayList<>();
        Map<String, AtomicLong> hits = new ConcurrentHashMap<>();
        Process agent = null;
        try (TestingServer zk = new TestingServer(true);
                CuratorFramework writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(200))) {
            writer.start();
            assertThat(writer.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            List<Integer> ports = new ArrayList<>();
            for (String id : List.of("A", "B", "C")) {
                ports.add(backend(id, servers, hits));
                writer.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(PATH + "/" + id.toLowerCase() + "_", HostileZnodes.good(id.toLowerCase(), ports.get(ports.size() - 1)));
            }
            int front = freePort();
            Path cfg = dir.resolve("haproxy.cfg");
            Path out = dir.resolve("out");
            Path file = dir.resolve("synapse.conf.json");
            Files.writeString(file, """
                    {
                      "file_output": {"output_directory": "%s"},
                      "haproxy": {
                        "manage_process": true, "haproxy_path": "/usr/sbin/haproxy",
                        "config_file_path": "%s", "socket_file_path": "%s", "state_file_path": "%s",
                        "restart_interval": 0.2, "bind_address": "127.0.0.1", "global": [],
                        "defaults": ["mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"]
                      },
                      "services": {
                        "web": {
                          "discovery": {"method": "zookeeper", "path": "%s", "hosts": ["%s"]},
                          "haproxy": {"port": %d, "server_options": "check inter 500ms"}
                        }
                      }
                    }
                    """.formatted(out, cfg, dir.resolve("haproxy.sock"), dir.resolve("synapse.state"), PATH,
                    zk.getConnectString(), front));
            agent = start(file, dir);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            await().atMost(WAIT).until(() -> "".equals(answer(http, front)) && hits.size() == 3);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger requests = new AtomicInteger();
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            hits.clear();
            Thread load = new Thread(() -> {
                // bounded in count and in time
                long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!stop.get() && requests.get() < 20_000 && System.nanoTime() < until) {
                    String failure = answer(http, front);
                    requests.incrementAndGet();
                    if (failure != null && !failure.isEmpty()) {
                        failures.add(failure);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                }
            }, "hostile-agent-load");
            load.setDaemon(true);
            load.start();

            int written = 0;
            for (Tuple.Tuple2<String, HostileZnodes.Payload> t : hostile) {
                writer.create().withMode(CreateMode.PERSISTENT).forPath(PATH + "/" + t.get1(), t.get2().data());
                written++;
            }
            for (byte[] data : shellPayloads(ports.get(0))) {
                writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(PATH + "/shell_", data);
                written++;
            }
            for (String name : List.of("$(touch pwned-child)", "`touch pwned-child`", ";touch pwned-child;", "|touch pwned-child")) {
                writer.create().withMode(CreateMode.PERSISTENT).forPath(PATH + "/" + name, "{}".getBytes(StandardCharsets.UTF_8));
                written++;
            }
            // every write before this one has been seen once file_output lists it
            writer.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(PATH + "/barrier_",
                    HostileZnodes.good("barrier", ports.get(0)));
            await().atMost(WAIT).until(() -> Files.readString(out.resolve("web.json")).contains("\"barrier\""));
            int atBarrier = requests.get();
            await().atMost(WAIT).until(() -> requests.get() >= atBarrier + 100 || !load.isAlive());
            stop.set(true);
            load.join(TimeUnit.SECONDS.toMillis(30));

            assertThat(agent.isAlive()).as("agent alive after %d hostile writes", written).isTrue();
            assertThat(failures).as("failed requests of %d", requests.get()).isEmpty();
            assertThat(requests.get()).isGreaterThanOrEqualTo(100);
            assertThat(hits.keySet()).as("good backends that got traffic while hostile writes landed")
                    .containsExactlyInAnyOrder("A", "B", "C");
            String config = Files.readString(cfg);
            assertThat(config).doesNotContain("touch", "pwned", "evil");
            for (int p : ports) {
                assertThat(config).contains("127.0.0.1:" + p);
                assertThat(backends(out.resolve("web.json"))).contains("127.0.0.1:" + p);
            }
            assertThat(haproxyCheck(cfg)).as("haproxy -c of the installed config").isNull();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())).as("files in the agent's working directory")
                        .noneMatch(n -> n.contains("pwned"));
            }
            assertThat(GENERATOR_MARKER).doesNotExist();
            assertThat(Files.readString(dir.resolve("agent.log"))).as("agent log").doesNotContainPattern("(?m)^\\s+at ");
            System.out.printf("hostile agent run: %d hostile znodes written, %d requests, %d failed, hits %s%n",
                    written, requests.get(), failures.size(), hits);
        } finally {
            if (agent != null) {
                agent.destroy();
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
            servers.forEach(s -> s.stop(0));
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Registrations whose every field tries to run {@code touch pwned} through a shell. */
    private static List<byte[]> shellPayloads(int port) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String shell : List.of("$(touch pwned-1)", "`touch pwned-2`", ";touch pwned-3;", "|touch pwned-4",
                "&& touch pwned-5", "\ntouch pwned-6\n")) {
            for (String field : List.of("host", "name", "haproxy_server_options", "label-value", "label-key", "port", "weight")) {
                ObjectNode n = JSON.createObjectNode();
                n.put("host", "127.0.0.1");
                n.put("port", port);
                n.put("name", "shell");
                switch (field) {
                    case "label-value" -> n.putObject("labels").put("az", shell);
                    case "label-key" -> n.putObject("labels").put(shell, "a");
                    default -> n.put(field, shell);
                }
                out.add(JSON.writeValueAsBytes(n));
            }
        }
        return out;
    }

    private static int backend(String id, List<HttpServer> servers, Map<String, AtomicLong> hits) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            hits.computeIfAbsent(id, k -> new AtomicLong()).incrementAndGet();
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    /** "" for a 200, else what went wrong. */
    private static String answer(HttpClient http, int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? "" : "HTTP " + r.statusCode();
        } catch (IOException e) {
            return "request failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static Process start(Path config, Path dir) throws IOException {
        Path script = Path.of("..", "bin", "smartstack").toAbsolutePath().normalize();
        assertThat(script).exists();
        assertThat(Path.of("target", "smartstack.jar")).exists();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "synapse", "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        return pb.start();
    }

    private static String haproxyCheck(Path cfg) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-c", "-f", cfg.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0 ? null : text;
    }
}
