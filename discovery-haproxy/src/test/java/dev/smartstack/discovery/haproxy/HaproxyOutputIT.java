package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real HAProxy 2.6 in master-worker mode, real JDK HTTP backends, all on 127.0.0.1. */
class HaproxyOutputIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Path dir;
    private final List<HttpServer> servers = new ArrayList<>();
    private final Map<String, ServiceInstance> backends = new HashMap<>();
    private final List<HaproxyOutput> outputs = new ArrayList<>();
    private final Map<String, ServiceSnapshot> last = new HashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final CountingMetrics metrics = new CountingMetrics();
    private int seq;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hx");
    }

    @AfterEach
    void tearDown() throws IOException {
        outputs.forEach(HaproxyOutput::close);
        servers.forEach(s -> s.stop(0));
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private ServiceInstance backend(String id) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        servers.add(server);
        ServiceInstance i = ServiceInstance.builder().name(id).host("127.0.0.1").port(server.getAddress().getPort())
                .znodeName(id + "_" + String.format("%010d", ++seq)).build();
        backends.put(id, i);
        return i;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private HaproxyOutputBuilder managed() {
        return HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath("/usr/sbin/haproxy")
                .configFilePath(dir.resolve("haproxy.cfg")).restartInterval(Duration.ofMillis(200))
                .defaults(List.of("mode http", "timeout connect 2s", "timeout client 10s", "timeout server 10s"))
                .metrics(metrics)
                .listener(new HaproxyListener() {
                    @Override
                    public void reloaded(String reason) {
                        events.add("reloaded: " + reason);
                    }

                    @Override
                    public void configInvalid(String errorText) {
                        events.add("invalid: " + errorText);
                    }

                    @Override
                    public void backendRefused(String service, ServiceInstance instance, String reason) {
                        events.add("refused: " + service + " " + instance.name() + " " + reason);
                    }

                    @Override
                    public void runtimeCommandFailed(String command, String response) {
                        events.add("runtime: " + command + " -> " + response);
                    }

                    @Override
                    public void processExited(String description) {
                        events.add("exited: " + description);
                    }
                });
    }

    private static HaproxyService service(int port, String... backendLines) {
        List<String> lines = new ArrayList<>(List.of("balance roundrobin"));
        lines.addAll(List.of(backendLines));
        return HaproxyService.builder().port(port).bindAddress("127.0.0.1").backend(lines).build();
    }

    private HaproxyOutput start(HaproxyOutputBuilder b) {
        HaproxyOutput o = b.build();
        outputs.add(o);
        o.start();
        return o;
    }

    private void publish(HaproxyOutput o, String service, ServiceInstance... instances) {
        ServiceSnapshot prev = last.getOrDefault(service, ServiceSnapshot.initial(service));
        ServiceSnapshot next = ServiceSnapshot.next(prev, List.of(instances), ServiceSnapshot.Source.ZOOKEEPER, true,
                Instant.now());
        last.put(service, next);
        o.update(next);
    }

    /** Which backends answer 40 requests to the frontend (ERR for a failed request). */
    private static Set<String> hits(int port) {
        Set<String> seen = new TreeSet<>();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 40; i++) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                seen.add(r.statusCode() == 200 ? r.body() : "HTTP" + r.statusCode());
            } catch (IOException e) {
                seen.add("ERR");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return seen;
    }

    private static MasterCli.ProcInfo proc(HaproxyOutput o) {
        try {
            return MasterCli.parseShowProc(o.masterCli().orElseThrow().send("show proc"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String config(HaproxyOutput o) throws IOException {
        return Files.readString(o.configFile().orElseThrow());
    }

    private static String validate(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/sbin/haproxy", "-c", "-f", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? "valid" : out;
    }

    @Test
    void update_joinsAndLeaves_trafficFollowsWithoutReload() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        ServiceInstance a = backend("A");
        ServiceInstance b = backend("B");
        publish(o, "svc", a, b);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A", "B")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        MasterCli.ProcInfo before = proc(o);
        long reloads = o.reloads();

        ServiceInstance c = backend("C");
        publish(o, "svc", a, b, c);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A", "B", "C")::equals);
        publish(o, "svc", b, c);
        await().atMost(WAIT).until(() -> hits(port), Set.of("B", "C")::equals);
        publish(o, "svc", c);
        await().atMost(WAIT).until(() -> hits(port), Set.of("C")::equals);

        MasterCli.ProcInfo after = proc(o);
        assertThat(after.reloads()).isEqualTo(before.reloads());
        assertThat(after.workerPids()).isEqualTo(before.workerPids());
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(o.runtimeCommands()).isGreaterThanOrEqualTo(6);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config(o))
                .contains("server C_127.0.0.1:" + c.port()).doesNotContain("A_127.0.0.1", "B_127.0.0.1"));
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
        assertThat(validate(o.configFile().orElseThrow())).isEqualTo("valid");
        // propagation to HAProxy's runtime state: one timing per snapshot applied by commands
        assertThat(metrics.count(DiscoveryMetrics.HAPROXY_RUNTIME_LATENCY, "svc")).isGreaterThanOrEqualTo(3);
        assertThat(metrics.count(DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND_FAILED)).isZero();
    }

    @Test
    void update_newService_exactlyOneValidatedReload() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        HaproxyOutput o = start(managed().service("one", service(p1)).service("two", service(p2)));
        publish(o, "one", backend("A"));
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        MasterCli.ProcInfo before = proc(o);
        long reloads = o.reloads();

        publish(o, "two", backend("B"));
        await().atMost(WAIT).until(() -> hits(p2), Set.of("B")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        assertThat(o.reloads()).isEqualTo(reloads + 1);
        assertThat(proc(o).reloads()).isEqualTo(before.reloads() + 1);
        assertThat(proc(o).workerPids()).isNotEqualTo(before.workerPids());
        assertThat(hits(p1)).isEqualTo(Set.of("A"));
        assertThat(events).contains("reloaded: service 'two' appeared");
        // the first start and the reload, each timed
        assertThat(metrics.snapshot()).containsEntry("smartstack.haproxy.reload.duration{service=haproxy,detail=success}",
                reloads + 1);
        // the runtime state was saved for the new worker before the reload
        assertThat(Files.readString(dir.resolve("haproxy.cfg.state"))).startsWith("1\n").contains(" one ");
        assertThat(config(o)).contains("server-state-file " + dir.resolve("haproxy.cfg.state"),
                "load-server-state-from-file global", "stats socket " + dir.resolve("haproxy.cfg.sock") + " mode 600 level admin");
    }

    @Test
    void update_hostileServerOptions_neverReachConfigAndOthersServe() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        ServiceInstance good = backend("GOOD");
        publish(o, "svc", good);
        await().atMost(WAIT).until(() -> hits(port), Set.of("GOOD")::equals);
        ServiceInstance good2 = backend("GOOD2");
        ServiceInstance evil = backend("EVIL").toBuilder().haproxyServerOptions("check addr 127.0.0.1 port 1").build();
        ServiceInstance evil2 = backend("EVIL2").toBuilder().haproxyServerOptions("redir http://127.0.0.1:1").build();
        ServiceInstance evil3 = backend("EVIL3").toBuilder().haproxyServerOptions("weight 1 backup track svc/x").build();
        publish(o, "svc", good, evil, good2, evil2, evil3);
        await().atMost(WAIT).until(() -> hits(port), Set.of("GOOD", "GOOD2")::equals);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config(o)).contains("GOOD2_"));
        assertThat(config(o)).doesNotContain("EVIL", "redir", "track", "addr");
        assertThat(validate(o.configFile().orElseThrow())).isEqualTo("valid");
        assertThat(events.stream().filter(e -> e.startsWith("refused: svc EVIL"))).hasSize(3);
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED, "svc")).isEqualTo(3);
    }

    @Test
    void update_operatorConfigError_oldHaproxyKeepsServingUntilFixed() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        HaproxyOutput o = start(managed().service("good", service(p1))
                .service("bad", service(p2, "no-such-keyword 42")));
        publish(o, "good", backend("A"));
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        MasterCli.ProcInfo before = proc(o);
        String installed = config(o);

        publish(o, "bad", backend("B"));
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e.startsWith("invalid: ")));
        assertThat(events.stream().filter(e -> e.startsWith("invalid: ")).findFirst().orElseThrow())
                .contains("no-such-keyword");
        assertThat(metrics.count(DiscoveryMetrics.HAPROXY_INVALID_CONFIG)).isEqualTo(1);
        assertThat(o.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("invalid HAProxy config: "));
        assertThat(config(o)).isEqualTo(installed);
        // the running HAProxy still serves, and joins still go over the runtime API
        ServiceInstance c = backend("C");
        publish(o, "good", backends.get("A"), c);
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A", "C")::equals);
        assertThat(proc(o).reloads()).isEqualTo(before.reloads());

        o.configure("bad", service(p2));
        await().atMost(WAIT).until(() -> hits(p2), Set.of("B")::equals);
        assertThat(hits(p1)).isEqualTo(Set.of("A", "C"));
        assertThat(proc(o).reloads()).isEqualTo(before.reloads() + 1);
        assertThat(validate(o.configFile().orElseThrow())).isEqualTo("valid");
    }

    @Test
    void update_burstWhileReloadPending_coalescedIntoOneReload() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int p3 = freePort();
        HaproxyOutput o = start(managed().restartInterval(Duration.ofSeconds(3))
                .service("one", service(p1)).service("two", service(p2)).service("three", service(p3)));
        publish(o, "one", backend("A"));
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        int masterReloads = proc(o).reloads();

        // within restart_interval of the last reload: all of these wait for one reload
        publish(o, "two", backend("B"));
        publish(o, "three", backend("C"));
        publish(o, "two", backends.get("B"), backend("B2"));
        publish(o, "three", backends.get("C"), backend("C2"));
        await().atMost(WAIT).until(() -> hits(p2), Set.of("B", "B2")::equals);
        await().atMost(WAIT).until(() -> hits(p3), Set.of("C", "C2")::equals);
        assertThat(o.reloads()).isEqualTo(reloads + 1);
        assertThat(proc(o).reloads()).isEqualTo(masterReloads + 1);
        assertThat(o.reloadPending()).isFalse();
    }

    @Test
    void update_weightChange_setServerWithoutReload() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().useNerveWeights(true).service("svc", service(port)));
        ServiceInstance a = backend("A").toBuilder().weight(10).build();
        publish(o, "svc", a);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        int master = proc(o).reloads();
        publish(o, "svc", a.toBuilder().weight(3).build());
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        await().atMost(WAIT).untilAsserted(() -> assertThat(stats.send("show servers state svc").lines()
                .filter(l -> l.contains(" A_127.0.0.1:")).findFirst().orElseThrow().split(" ")[7]).isEqualTo("3"));
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(proc(o).reloads()).isEqualTo(master);
        await().atMost(WAIT).untilAsserted(() -> assertThat(config(o)).contains(" id 1 weight 3\n"));
    }

    @Test
    void update_weightChangeOnStaticAlgorithmBackend_refusalDetectedAndReloadApplies() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().useNerveWeights(true).service("svc",
                HaproxyService.builder().port(port).bindAddress("127.0.0.1").backend(List.of("balance source")).build()));
        ServiceInstance a = backend("A").toBuilder().weight(10).build();
        publish(o, "svc", a);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        publish(o, "svc", a.toBuilder().weight(3).build());
        // before: HAProxy's refusal was taken for success and the running weight stayed 10
        await().atMost(WAIT).untilAsserted(() -> assertThat(events).anyMatch(e -> e.startsWith("runtime: set server svc/A_127.0.0.1:" + a.port()
                + " weight 3 -> Backend is using a static LB algorithm")));
        assertThat(metrics.snapshot()).containsEntry("smartstack.haproxy.runtime.command.failed{service=haproxy,detail=set server}", 1L);
        await().atMost(WAIT).until(() -> o.reloads() == reloads + 1);
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        await().atMost(WAIT).untilAsserted(() -> assertThat(stats.send("show servers state svc").lines()
                .filter(l -> l.contains(" A_127.0.0.1:")).findFirst().orElseThrow().split(" ")[7]).isEqualTo("3"));
    }

    @Test
    void update_leaveWithRequestInFlight_requestCompletesThenServerDeleted() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        HttpServer slowServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slowServer.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        slowServer.createContext("/", ex -> {
            try {
                release.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "SLOW".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        slowServer.start();
        servers.add(slowServer);
        ServiceInstance slow = ServiceInstance.builder().name("SLOW").host("127.0.0.1")
                .port(slowServer.getAddress().getPort()).znodeName("SLOW_0000000100").build();
        publish(o, "svc", slow);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        HttpClient client = HttpClient.newHttpClient();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(25)).build(),
                HttpResponse.BodyHandlers.ofString());
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> stats.send("show servers conn svc").lines()
                .anyMatch(l -> l.startsWith("svc/SLOW_") && !l.split(" ")[6].equals("0")));

        ServiceInstance b = backend("B");
        publish(o, "svc", b);
        // the slow server is in maintenance: new requests go to B, the one in flight is not cut
        await().atMost(WAIT).until(() -> hits(port), Set.of("B")::equals);
        assertThat(stats.send("show servers state svc")).contains(" SLOW_127.0.0.1:");
        release.countDown();
        assertThat(inFlight.get(20, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("SLOW");
        await().atMost(WAIT).until(() -> !stats.send("show servers state svc").contains(" SLOW_127.0.0.1:"));
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    private ServiceInstance slowBackend(String id, java.util.concurrent.CountDownLatch release) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            try {
                release.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            // no idle keep-alive connection that would hold the server in HAProxy for `timeout server`
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        servers.add(server);
        ServiceInstance i = ServiceInstance.builder().name(id).host("127.0.0.1").port(server.getAddress().getPort())
                .znodeName(id + "_" + String.format("%010d", ++seq)).build();
        backends.put(id, i);
        return i;
    }

    @Test
    void update_leaveThenRejoinWhileDraining_madeReadyAgainWithoutReload() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            if (calls.incrementAndGet() == 1) { // only the first request hangs
                try {
                    release.await(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "S".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Connection", "close");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        servers.add(server);
        ServiceInstance s1 = ServiceInstance.builder().name("S").host("127.0.0.1").port(server.getAddress().getPort())
                .znodeName("S_0000000001").build();
        publish(o, "svc", s1);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(25)).build(),
                HttpResponse.BodyHandlers.ofString());
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> stats.send("show servers conn svc").lines()
                .anyMatch(l -> l.startsWith("svc/S_") && !l.split(" ")[6].equals("0")));
        try {
            ServiceInstance b = backend("B");
            int master = proc(o).reloads();
            publish(o, "svc", b); // S leaves: maintenance, delete pending
            await().atMost(WAIT).until(() -> hits(port), Set.of("B")::equals);
            assertThat(stats.send("show servers state svc")).contains(" S_127.0.0.1:");
            long commands = o.runtimeCommands();
            // S registers again (a new znode, same server) while its delete still waits: made ready again
            publish(o, "svc", b, s1.toBuilder().znodeName("S_0000000002").build());
            String ready = DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND + "{service=haproxy,detail=set server}";
            String add = DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND + "{service=haproxy,detail=add server}";
            long adds = metrics.snapshot().getOrDefault(add, 0L);
            await().atMost(WAIT).until(() -> metrics.snapshot().getOrDefault(ready, 0L) >= 2); // maint, then ready
            assertThat(metrics.snapshot().getOrDefault(add, 0L)).isEqualTo(adds);
            assertThat(o.runtimeCommands()).isGreaterThan(commands);
            await().atMost(WAIT).until(() -> hits(port), Set.of("B", "S")::equals);
            assertThat(o.reloads()).isEqualTo(reloads);
            assertThat(proc(o).reloads()).isEqualTo(master);
        } finally {
            release.countDown();
        }
        assertThat(inFlight.get(20, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("S");
        // its delete was cancelled: S stays, and a later leave still deletes it
        assertThat(hits(port)).isEqualTo(Set.of("B", "S"));
        publish(o, "svc", backends.get("B"));
        await().atMost(WAIT).until(() -> !stats.send("show servers state svc").contains(" S_127.0.0.1:"));
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    /** Requests to a frontend on a thread of its own until closed (bounded: 60 s, 20000 requests). */
    private static final class Traffic implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread thread;

        Traffic(int port) {
            thread = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                for (int i = 0; i < 20000 && !stop.get() && System.nanoTime() < end; i++) {
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add("HTTP " + r.statusCode());
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "test-traffic");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until {@code count} more requests have succeeded. */
        void awaitMore(int count) {
            int from = ok.get();
            await().atMost(WAIT).until(() -> ok.get() >= from + count || !thread.isAlive());
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void update_sameServerUnderNewZnode_noRuntimeCommandNoReloadNoFailedRequest() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        ServiceInstance a = backend("A");
        publish(o, "svc", a);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        String configBefore = config(o);
        MasterCli.ProcInfo before = proc(o);
        long reloads = o.reloads();
        long commands = o.runtimeCommands();

        try (Traffic traffic = new Traffic(port)) {
            traffic.awaitMore(20);
            // A's Nerve registered again after its session expired: a new znode, the same server
            publish(o, "svc", a.toBuilder().znodeName("A_0000000099").build());
            assertThat(last.get("svc").removed()).extracting(ServiceInstance::key).containsExactly(a.key());
            assertThat(last.get("svc").added()).hasSize(1);
            traffic.awaitMore(50);
            assertThat(traffic.failures).isEmpty();
            assertThat(traffic.ok.get()).isGreaterThanOrEqualTo(70);
        }
        assertThat(o.runtimeCommands()).isEqualTo(commands);
        assertThat(o.reloads()).isEqualTo(reloads);
        MasterCli.ProcInfo after = proc(o);
        assertThat(after.reloads()).isEqualTo(before.reloads());
        assertThat(after.workerPids()).isEqualTo(before.workerPids());
        assertThat(o.renderConfig()).isEqualTo(configBefore);
        assertThat(config(o)).isEqualTo(configBefore);

        // the server now maps to the new znode: a later leave still reaches it
        ServiceInstance b = backend("B");
        publish(o, "svc", b);
        await().atMost(WAIT).until(() -> hits(port), Set.of("B")::equals);
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    @Test
    void update_everyServerOfServiceUnderNewZnodes_noRuntimeCommandNoReloadThenWeightStillApplies() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().useNerveWeights(true).service("svc", service(port)));
        List<ServiceInstance> old = List.of(backend("A").toBuilder().weight(10).build(),
                backend("B").toBuilder().weight(10).build(), backend("C").toBuilder().weight(10).build());
        publish(o, "svc", old.toArray(ServiceInstance[]::new));
        await().atMost(WAIT).until(() -> hits(port), Set.of("A", "B", "C")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        String configBefore = config(o);
        int master = proc(o).reloads();
        long reloads = o.reloads();
        long commands = o.runtimeCommands();

        // after a ZooKeeper outage every Nerve registers again at once
        List<ServiceInstance> fresh = new ArrayList<>();
        for (ServiceInstance i : old) {
            fresh.add(i.toBuilder().znodeName(i.name() + "_" + String.format("%010d", ++seq)).build());
        }
        try (Traffic traffic = new Traffic(port)) {
            traffic.awaitMore(20);
            publish(o, "svc", fresh.toArray(ServiceInstance[]::new));
            assertThat(last.get("svc").removed()).hasSize(3);
            assertThat(last.get("svc").added()).hasSize(3);
            traffic.awaitMore(50);
            assertThat(traffic.failures).isEmpty();
        }
        assertThat(o.runtimeCommands()).isEqualTo(commands);
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(proc(o).reloads()).isEqualTo(master);
        assertThat(o.renderConfig()).isEqualTo(configBefore);

        // a later change of a re-registered server still goes to the same HAProxy server
        fresh.set(0, fresh.get(0).toBuilder().weight(3).build());
        publish(o, "svc", fresh.toArray(ServiceInstance[]::new));
        await().atMost(WAIT).until(() -> o.runtimeCommands() == commands + 1); // set server svc/A_... weight 3
        String state = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5)).send("show servers state svc");
        String line = state.lines().filter(l -> l.contains(" A_127.0.0.1:")).findFirst().orElseThrow();
        assertThat(line.split(" ")[7]).isEqualTo("3");
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    @Test
    void update_severalLeavesWithRequestsInFlight_noDeleteWhileSessionsThenDeletedWithoutReload() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ServiceInstance s1 = slowBackend("S1", release);
        ServiceInstance s2 = slowBackend("S2", release);
        ServiceInstance s3 = slowBackend("S3", release);
        publish(o, "svc", s1, s2, s3);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        HttpClient client = HttpClient.newHttpClient();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        for (int i = 0; i < 3; i++) {
            inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(25)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(WAIT).until(() -> stats.send("show servers conn svc").lines()
                .filter(l -> l.startsWith("svc/S") && !l.split(" ")[6].equals("0")).count() == 3);

        publish(o, "svc", backend("B"));
        String del = DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND + "{service=haproxy,detail=del server}";
        String poll = DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND + "{service=haproxy,detail=show stat}";
        // a few drain rounds while all three still have their request in flight: their load is read,
        // and no delete is even tried while HAProxy holds a session for them (before: a delete was
        // retried every 500 ms, and HAProxy 2.6.12 crashed when one went through with retries pending)
        await().atMost(WAIT).until(() -> metrics.snapshot().getOrDefault(poll, 0L) >= 12);
        assertThat(metrics.snapshot().getOrDefault(del, 0L)).isZero();
        assertThat(o.drainingServers()).isEqualTo(3);
        release.countDown();
        for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : inFlight) {
            assertThat(f.get(20, java.util.concurrent.TimeUnit.SECONDS).body()).startsWith("S");
        }
        await().atMost(WAIT).until(() -> !stats.send("show servers state svc").contains(" S1_127.0.0.1:")
                && !stats.send("show servers state svc").contains(" S2_127.0.0.1:")
                && !stats.send("show servers state svc").contains(" S3_127.0.0.1:"));
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
        assertThat(o.reloads()).isEqualTo(reloads);
    }

    @Test
    void managedProcess_workerCrashes_reportedAndRestartedWithoutAnyChange() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        ServiceInstance a = backend("A");
        publish(o, "svc", a);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        MasterCli.ProcInfo before = proc(o);

        // a crash: SIGKILL to the worker, and 2.6's master exits too
        ProcessHandle.of(before.workerPids().get(0)).orElseThrow().destroyForcibly();
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e.startsWith("exited: HAProxy master pid "
                + before.masterPid() + " exited with status ")));
        // before the fix nothing noticed: HAProxy stayed dead until the next membership change
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        assertThat(proc(o).masterPid()).isNotEqualTo(before.masterPid());
        assertThat(o.reloads()).isEqualTo(reloads + 1);
        assertThat(o.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("HAProxy exited unexpectedly: "));
        assertThat(events).contains("reloaded: HAProxy exited unexpectedly");
        assertThat(metrics.count(DiscoveryMetrics.HAPROXY_PROCESS_EXITED)).isEqualTo(1);

        // and the new process takes runtime updates
        publish(o, "svc", a, backend("B"));
        await().atMost(WAIT).until(() -> hits(port), Set.of("A", "B")::equals);
        assertThat(o.reloads()).isEqualTo(reloads + 1);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    private static String pgrep(String pattern) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pgrep", "-f", pattern).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void update_newServiceOnPortInUse_reloadFailsWithTheReasonAndOldHaproxyServes() throws Exception {
        List<String> failures = new CopyOnWriteArrayList<>();
        int p1 = freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            HaproxyOutput o = start(managed().service("good", service(p1)).service("svc", service(taken.getLocalPort()))
                    .listener(new HaproxyListener() {
                        @Override
                        public void reloadFailed(String error) {
                            failures.add(error);
                        }
                    }));
            publish(o, "good", backend("A"));
            await().atMost(WAIT).until(() -> hits(p1), Set.of("A")::equals);
            long master = proc(o).masterPid();
            publish(o, "svc", backend("B"));
            await().atMost(WAIT).until(() -> !failures.isEmpty());
            // before: "HAProxy refused the new config (master reports failed reload 1)", not saying why
            assertThat(failures.get(0)).startsWith("HAProxy refused the new config (master reports failed reload 1): ")
                    .contains("cannot bind socket", "127.0.0.1:" + taken.getLocalPort())
                    .endsWith("(log: " + dir.resolve("haproxy.cfg.log") + ")");
            assertThat(o.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("reload failed: "));
            assertThat(metrics.snapshot()).containsEntry("smartstack.haproxy.reload.failed{service=haproxy,detail=reload}", 1L)
                    .containsEntry("smartstack.haproxy.reload.duration{service=haproxy,detail=failure}", 1L);
            assertThat(hits(p1)).isEqualTo(Set.of("A"));
            assertThat(proc(o).masterPid()).isEqualTo(master);
        }
    }

    @Test
    void start_portInUse_clearErrorAndNoProcessLeft() throws Exception {
        List<String> failures = new CopyOnWriteArrayList<>();
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            // haproxy -c passes (it does not bind); the start fails
            HaproxyOutput o = start(managed().extraSection("listen stats",
                    List.of("bind 127.0.0.1:" + taken.getLocalPort(), "http-request return status 200"))
                    .listener(new HaproxyListener() {
                        @Override
                        public void reloadFailed(String error) {
                            failures.add(error);
                        }
                    }));
            // before: "haproxy exited with 1 (see its log next to the config)", not saying why
            assertThat(failures).singleElement().asString().startsWith("haproxy exited with 1: ")
                    .contains("cannot bind socket", "127.0.0.1:" + taken.getLocalPort())
                    .endsWith("(log: " + dir.resolve("haproxy.cfg.log") + ")");
            assertThat(o.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("HAProxy did not start: "));
            assertThat(metrics.snapshot()).containsEntry("smartstack.haproxy.reload.failed{service=haproxy,detail=start}", 1L);
            assertThat(o.masterCli()).isEmpty();
            assertThat(pgrep(dir.resolve("haproxy.cfg").toString())).isEmpty();
        }
    }

    @Test
    void managedProcess_interruptedWhileStarting_givesUpAtOnceAndLeavesNoProcess() throws Exception {
        // what close() does to a start or reload in flight on the output's thread (shutdownNow)
        HaproxyOutput o = managed().service("svc", service(freePort())).build();
        java.nio.file.Files.writeString(dir.resolve("haproxy.cfg"), o.renderConfig());
        Supervisor process = new Supervisor(o.settingsForTest());
        String error;
        Thread.currentThread().interrupt();
        try {
            error = process.start(description -> { });
        } finally {
            Thread.interrupted();
        }
        process.stop();
        // before: every socket call failed at once and pause() did not wait, so it spun for 15 s
        // and reported "haproxy did not become ready within PT15S"
        assertThat(error).isEqualTo("interrupted while waiting for haproxy to become ready");
        await().atMost(WAIT).until(() -> pgrep(dir.resolve("haproxy.cfg").toString()).isEmpty());
    }

    @Test
    void update_joinWithEnabledOrDisabledOption_servesExactlyAsTheConfigWould() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().service("svc", service(port)));
        ServiceInstance a = backend("A");
        publish(o, "svc", a);
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        ServiceInstance b = backend("B").toBuilder().haproxyServerOptions("disabled").build();
        ServiceInstance c = backend("C").toBuilder().haproxyServerOptions("disabled enabled").build();
        ServiceInstance d = backend("D").toBuilder().haproxyServerOptions("enabled").build();
        publish(o, "svc", a, b, c, d);
        // before: "enable server" after "add server ... disabled" put B into service, unlike the
        // config; and "add server ... enabled" made C and D look running but they got no traffic
        await().atMost(WAIT).until(() -> hits(port), Set.of("A", "C", "D")::equals);
        String state = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5)).send("show servers state svc");
        String line = state.lines().filter(l -> l.contains(" B_127.0.0.1:")).findFirst().orElseThrow();
        assertThat(Integer.parseInt(line.split(" ")[6]) & 1).as(line).isEqualTo(1); // srv_admin_state FMAINT
        assertThat(o.reloads()).isEqualTo(reloads);
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(config(o)).contains(" id 2 disabled\n", " id 4 enabled\n"));
    }

    @Test
    void close_managedProcess_stopsHaproxy() throws Exception {
        HaproxyOutput o = start(managed().service("svc", service(freePort())));
        long master = proc(o).masterPid();
        List<Long> workers = proc(o).workerPids();
        assertThat(pgrep(dir.resolve("haproxy.cfg").toString())).contains(Long.toString(master));
        o.close();
        // close() waits for the output's thread
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("smartstack-haproxy-")
                && t.isAlive());
        assertThat(ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        await().atMost(WAIT).until(() -> pgrep(dir.resolve("haproxy.cfg").toString()).isEmpty());
        await().atMost(WAIT).until(() -> workers.stream().noneMatch(w -> ProcessHandle.of(w).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void update_leaveWithConnectionHeldPastDrainTimeout_sessionsShutDownAndDeletedWithoutReload() throws Exception {
        int port = freePort();
        HaproxyOutput o = start(managed().drainTimeout(Duration.ofSeconds(1)).service("svc", service(port)));
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        ServiceInstance held = slowBackend("HELD", never); // a long-lived request, as gRPC or a websocket
        publish(o, "svc", held);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        long reloads = o.reloads();
        int master = proc(o).reloads();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(25)).build(),
                HttpResponse.BodyHandlers.ofString());
        MasterCli stats = new MasterCli(dir.resolve("haproxy.cfg.sock"), Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> stats.send("show servers conn svc").lines()
                .anyMatch(l -> l.startsWith("svc/HELD_") && !l.split(" ")[6].equals("0")));
        try {
            publish(o, "svc", backend("B"));
            await().atMost(WAIT).until(() -> hits(port), Set.of("B")::equals);
            // before: 120 delete attempts 500 ms apart, then a reload of everything
            await().atMost(WAIT).until(() -> !stats.send("show servers state svc").contains(" HELD_127.0.0.1:"));
            await().atMost(WAIT).until(inFlight::isDone); // its session was shut down
            assertThat(o.drainingServers()).isZero();
            assertThat(o.reloads()).isEqualTo(reloads);
            assertThat(proc(o).reloads()).isEqualTo(master);
            assertThat(metrics.snapshot().getOrDefault(DiscoveryMetrics.HAPROXY_RUNTIME_COMMAND
                    + "{service=haproxy,detail=shutdown sessions}", 0L)).isEqualTo(1);
            assertThat(hits(port)).isEqualTo(Set.of("B"));
        } finally {
            never.countDown();
        }
    }

    @Test
    void update_joinWhileSlowHaproxyCheckRuns_appliedAtOnceNotAfterTheCheck() throws Exception {
        // haproxy -c waits for a file the test creates only after it has seen the join served
        Path release = dir.resolve("release");
        Path checking = dir.resolve("checking");
        Path wrapper = dir.resolve("slow-haproxy");
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "if [ \"$1\" = \"-c\" ] && [ -e " + dir.resolve("slow") + " ]; then\n"
                + "  touch " + checking + "\n"
                + "  i=0; while [ ! -e " + release + " ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
                + "  rm -f " + checking + "\n"
                + "fi\n"
                + "exec /usr/sbin/haproxy \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        int p1 = freePort();
        int p2 = freePort();
        HaproxyOutput o = start(managed().haproxyPath(wrapper.toString()).service("one", service(p1))
                .service("two", service(p2)));
        publish(o, "one", backend("A"));
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A")::equals);
        await().atMost(WAIT).until(() -> !o.reloadPending());
        Files.createFile(dir.resolve("slow"));

        publish(o, "two", backend("C")); // a new backend: a checked config and a reload
        await().atMost(WAIT).until(() -> Files.exists(checking));
        publish(o, "one", backends.get("A"), backend("B"));
        // before: the join waited behind the check (and any reload) on the output's one thread
        await().atMost(WAIT).until(() -> hits(p1), Set.of("A", "B")::equals);
        assertThat(Files.exists(checking)).isTrue();
        Files.createFile(release);
        await().atMost(WAIT).until(() -> hits(p2), Set.of("C")::equals);
        assertThat(hits(p1)).isEqualTo(Set.of("A", "B"));
        assertThat(events).noneMatch(e -> e.startsWith("runtime:"));
    }

    @Test
    void close_whileJvmShutdownHookStopsHaproxy_noRestartAndNoUnexpectedExit() throws Exception {
        // what SIGTERM does to the agent: the supervisor's JVM shutdown hook stops HAProxy while the
        // output is still started; before, the output saw the exit as a crash, logged "exited
        // unexpectedly", started HAProxy again, and Runtime.addShutdownHook threw
        HaproxyOutput o = start(managed().service("svc", service(freePort())));
        long master = proc(o).masterPid();
        java.lang.reflect.Field f = HaproxyOutput.class.getDeclaredField("supervisor");
        f.setAccessible(true);
        ((Supervisor) f.get(o)).stop(); // the shutdown hook's body
        await().atMost(WAIT).until(() -> !ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false));
        publish(o, "svc", backend("A")); // a change after the stop: nothing may start HAProxy again
        o.close();
        assertThat(events).noneMatch(e -> e.startsWith("exited:"));
        assertThat(o.lastError().orElse("")).doesNotContain("exited unexpectedly");
        assertThat(pgrep(dir.resolve("haproxy.cfg").toString())).isEmpty();
        assertThat(o.reloads()).isEqualTo(1);
    }

    private static Supervisor supervisor(HaproxyOutput o) throws ReflectiveOperationException {
        java.lang.reflect.Field f = HaproxyOutput.class.getDeclaredField("supervisor");
        f.setAccessible(true);
        return (Supervisor) f.get(o);
    }

    @Test
    void jvmShutdown_haproxyKilledByTheSameSignal_notRestartedAndStateFileKept() throws Exception {
        // Ctrl-C or a systemd cgroup kill: HAProxy dies while the shutdown hook runs. Before, the
        // exit was "unexpected", HAProxy was started again, and its blank state could be saved
        Path state = dir.resolve("state");
        int port = freePort();
        HaproxyOutput o = start(managed().serverStateFilePath(state).service("svc", service(port)));
        publish(o, "svc", backend("A"));
        await().atMost(WAIT).until(() -> hits(port), Set.of("A")::equals);
        Files.writeString(state, "the state saved before\n");
        Supervisor supervisor = supervisor(o);
        long master = proc(o).masterPid();
        String cfg = dir.resolve("haproxy.cfg").toString();
        supervisor.beforeJvmStop(() -> {
            ProcessHandle.of(master).ifPresent(ProcessHandle::destroy); // the same signal reaches HAProxy
            await().atMost(WAIT).until(() -> !ProcessHandle.of(master).map(ProcessHandle::isAlive).orElse(false));
            // the install loop would restart it now; nothing may appear
            await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> pgrep(cfg).isEmpty());
        });
        supervisor.jvmShutdown();
        assertThat(events).noneMatch(e -> e.startsWith("exited:"));
        assertThat(o.lastError().orElse("")).doesNotContain("exited unexpectedly");
        assertThat(pgrep(cfg)).isEmpty();
        assertThat(Files.readString(state)).isEqualTo("the state saved before\n");
        assertThat(supervisor.shutdownHookRegistered()).isFalse();
    }

    @Test
    void close_managedOutput_removesItsJvmShutdownHook() throws Exception {
        HaproxyOutput o = start(managed().service("svc", service(freePort())));
        Supervisor supervisor = supervisor(o);
        assertThat(supervisor.shutdownHookRegistered()).isTrue();
        o.close();
        // before, every closed output's hook (and with it its Supervisor and settings) stayed until exit
        assertThat(supervisor.shutdownHookRegistered()).isFalse();
    }

    @Test
    void configure_whileTheFirstStartRuns_endsLoadedWithOneStartAtATime() throws Exception {
        // HAProxy's start waits for a file the test creates after calling configure() (the agent's
        // SIGHUP) and publishing during it. Before, the configure's reload was cleared by the start
        // that was in flight (written, checked, never loaded), and the install thread ran its own
        // reload beside the start
        Path slow = dir.resolve("slow");
        Path starting = dir.resolve("starting");
        Path release = dir.resolve("release");
        Path wrapper = dir.resolve("slow-start-haproxy");
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "if [ \"$1\" = \"-W\" ] && [ -e " + slow + " ]; then\n"
                + "  rm -f " + slow + "; touch " + starting + "\n"
                + "  i=0; while [ ! -e " + release + " ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
                + "fi\n"
                + "exec /usr/sbin/haproxy \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.createFile(slow);
        int p1 = freePort();
        int p2 = freePort();
        HaproxyOutput o = managed().haproxyPath(wrapper.toString()).service("svc", service(p1)).build();
        outputs.add(o);
        publish(o, "svc", backend("A")); // before start(): queued, in the first config
        java.util.concurrent.CompletableFuture<Void> started = java.util.concurrent.CompletableFuture.runAsync(o::start);
        await().atMost(WAIT).until(() -> Files.exists(starting));
        o.configure("svc", service(p2));
        publish(o, "svc", backends.get("A"), backend("B"));
        Files.createFile(release);
        started.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> hits(p2), Set.of("A", "B")::equals);
        assertThat(o.failedReloads()).isZero();
        assertThat(o.reloadPending()).isFalse();
        assertThat(hits(p1)).containsOnly("ERR");
    }
}
