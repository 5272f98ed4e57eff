package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyOutputBuilder;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measures the HAProxy output against a real HAProxy (managed, master-worker, 127.0.0.1 only):
 * <ul>
 *   <li>latency from a snapshot handed to {@link HaproxyOutput#update} (built before the clock starts;
 *       also reported with the harness's {@code ServiceSnapshot.next} included) to HAProxy's runtime state
 *       showing it (a join: {@code get weight} answers; a leave: {@code show stat} says MAINT),
 *       and to the installed config file showing it, p50/p99/max, with 10, 1,000 and 10,000 servers
 *       in one backend (alternating joins and leaves);</li>
 *   <li>HAProxy reloads per 1,000 membership changes, counted by the master ({@code show proc});</li>
 *   <li>leaves of servers that hold a long-lived request: reloads (master) and time to deletion;</li>
 *   <li>time to render, and to render + validate ({@code haproxy -c}) + install, a large config.</li>
 * </ul>
 * Run from the repository root: {@code scripts/bench HaproxyHarness [sizes...]} (default 10 1000
 * 10000). The HAProxy binary defaults to {@code /usr/sbin/haproxy} ({@code -Dhaproxy=...}).
 */
public final class HaproxyHarness {
    private static final String SERVICE = "bench";

    private HaproxyHarness() {
    }

    public static void main(String[] args) throws Exception {
        String haproxy = System.getProperty("haproxy", "/usr/sbin/haproxy");
        System.out.println("# HaproxyHarness, HAProxy at " + haproxy + ", " + Runtime.getRuntime().availableProcessors()
                + " cpus, load average " + Files.readString(Path.of("/proc/loadavg")).strip());
        int[] sizes = args.length == 0 ? new int[] {10, 1000, 10000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        for (int n : sizes) {
            latency(haproxy, n, n >= 10000 ? 200 : 1000);
        }
        longLivedLeaves(haproxy, 20);
        churn(haproxy, 1000, 10, 500, Duration.ofSeconds(20));
        renderAndValidate(haproxy, 10000);
    }

    private static Path tempDir() throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), "hxb");
    }

    private static HaproxyOutput output(String haproxy, Path dir, Duration drainTimeout) {
        return HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath(haproxy).configFilePath(dir.resolve("h.cfg"))
                .restartInterval(Duration.ofSeconds(2)).drainTimeout(drainTimeout)
                .global(List.of("maxconn 4096"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 30s", "timeout server 30s"))
                .service(SERVICE, HaproxyService.builder().port(freePort()).bindAddress("127.0.0.1")
                        .backend(List.of("balance roundrobin")).build())
                .build();
    }

    private static ServiceInstance instance(int i) {
        // Nothing listens on these ports; HAProxy does not need them to, as there are no health checks.
        return ServiceInstance.builder().name("b" + i).host("127.0.0.1").port(10000 + (i % 50000))
                .znodeName("b" + i + "_" + String.format("%010d", i)).build();
    }

    private static String serverName(ServiceInstance i) {
        return i.name() + "_127.0.0.1:" + i.port();
    }

    private static void awaitLoaded(HaproxyOutput out, Path stats, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while ((out.reloadPending() || countServers(send(stats, "show servers state " + SERVICE)) != n)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static void latency(String haproxy, int n, int changes) throws Exception {
        Path dir = tempDir();
        HaproxyOutput out = output(haproxy, dir, Duration.ofSeconds(60));
        try {
            out.start();
            List<ServiceInstance> current = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                current.add(instance(i));
            }
            ServiceSnapshot snap = ServiceSnapshot.next(ServiceSnapshot.initial(SERVICE), current,
                    ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
            out.update(snap);
            Path stats = dir.resolve("h.cfg.sock");
            Path cfg = dir.resolve("h.cfg");
            awaitLoaded(out, stats, n);
            int backendId = backendId(send(stats, "show servers state " + SERVICE));
            Map<String, Integer> ids = serverIds(send(stats, "show servers state " + SERVICE));
            int reloadsBefore = masterReloads(dir.resolve("h.cfg.master"));
            long outputReloadsBefore = out.reloads();
            long[] runtime = new long[changes];
            long[] withBuild = new long[changes];
            long[] file = new long[changes];
            int next = n;
            for (int c = 0; c < changes; c++) {
                boolean join = c % 2 == 0;
                ServiceInstance changed;
                if (join) {
                    changed = instance(next++);
                    current.add(changed);
                } else {
                    changed = current.remove(0);
                    if (!ids.containsKey(serverName(changed))) {
                        ids = serverIds(send(stats, "show servers state " + SERVICE)); // untimed
                    }
                }
                String name = serverName(changed);
                String line = "server " + name + " ";
                String probe = join ? "get weight " + SERVICE + "/" + name
                        : "show stat " + backendId + " 4 " + ids.get(name);
                long tBuild = System.nanoTime();
                // The watcher's job, timed apart: next() sorts and diffs the whole list (O(N log N)),
                // where the real watcher's persistent tree costs O(log N) per change.
                snap = ServiceSnapshot.next(snap, current, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
                long t0 = System.nanoTime();
                out.update(snap);
                long limit = t0 + Duration.ofSeconds(30).toNanos();
                while (true) {
                    String answer = send(stats, probe);
                    // a leave: in maintenance, or already deleted (no session held it: header line only)
                    boolean visible = join ? !answer.isEmpty() && Character.isDigit(answer.charAt(0))
                            : answer.contains(",MAINT,") || answer.startsWith("# pxname") && answer.strip().lines().count() == 1;
                    if (visible) {
                        break;
                    }
                    if (System.nanoTime() > limit) {
                        throw new IllegalStateException("change " + c + " not in the runtime state after 30 s: " + answer);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000); // leave the CPU to the output
                }
                runtime[c] = System.nanoTime() - t0;
                withBuild[c] = runtime[c] + (t0 - tBuild);
                while (Files.readString(cfg).contains(line) != join) {
                    if (System.nanoTime() > limit) {
                        throw new IllegalStateException("change " + c + " not in the config file after 30 s");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
                file[c] = System.nanoTime() - t0;
            }
            // let the last config write and any pending reload settle
            Thread.sleep(3000);
            int reloads = masterReloads(dir.resolve("h.cfg.master")) - reloadsBefore;
            System.out.printf("servers=%d changes=%d | runtime state %s (with the harness's snapshot build: %s)"
                    + " | config file %s | reloads (master) %d = %.1f per 1,000 membership changes (output counted %d)%n",
                    n, changes, percentiles(runtime), percentiles(withBuild), percentiles(file), reloads,
                    reloads * 1000.0 / changes, out.reloads() - outputReloadsBefore);
        } finally {
            out.close();
            delete(dir);
        }
    }

    /** Leaves of servers that each hold a request open (as gRPC or a websocket would): reloads and time to deletion. */
    private static void longLivedLeaves(String haproxy, int k) throws Exception {
        Path dir = tempDir();
        Duration drain = Duration.ofSeconds(2);
        HaproxyOutput out = output(haproxy, dir, drain);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<com.sun.net.httpserver.HttpServer> servers = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            out.start();
            List<ServiceInstance> slow = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(
                        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
                s.setExecutor(pool);
                s.createContext("/", ex -> {
                    try {
                        release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.sendResponseHeaders(200, -1);
                    ex.close();
                });
                s.start();
                servers.add(s);
                slow.add(ServiceInstance.builder().name("s" + i).host("127.0.0.1").port(s.getAddress().getPort())
                        .znodeName("s" + i + "_" + String.format("%010d", i)).build());
            }
            ServiceSnapshot snap = ServiceSnapshot.next(ServiceSnapshot.initial(SERVICE), slow,
                    ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
            out.update(snap);
            Path stats = dir.resolve("h.cfg.sock");
            awaitLoaded(out, stats, k);
            int port = Integer.parseInt(Files.readString(dir.resolve("h.cfg")).lines()
                    .filter(l -> l.strip().startsWith("bind 127.0.0.1:")).findFirst().orElseThrow().strip()
                    .split(":")[1].split(" ")[0]);
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            List<java.util.concurrent.CompletableFuture<?>> held = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                held.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + port + "/")).timeout(Duration.ofSeconds(30)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()));
            }
            Thread.sleep(500); // the requests reach their servers
            int reloadsBefore = masterReloads(dir.resolve("h.cfg.master"));
            long t0 = System.nanoTime();
            List<ServiceInstance> left = new ArrayList<>(slow);
            while (!left.isEmpty()) {
                left.remove(0);
                snap = ServiceSnapshot.next(snap, left, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
                out.update(snap);
            }
            long limit = t0 + Duration.ofSeconds(60).toNanos();
            while (countServers(send(stats, "show servers state " + SERVICE)) > 0 && System.nanoTime() < limit) {
                Thread.sleep(10);
            }
            long gone = System.nanoTime() - t0;
            Thread.sleep(3000);
            int reloads = masterReloads(dir.resolve("h.cfg.master")) - reloadsBefore;
            System.out.printf("long-lived: %d servers each holding a request left, drain_timeout %s: all deleted after"
                    + " %.0f ms, reloads (master) %d%n", k, drain, gone / 1e6, reloads);
        } finally {
            release.countDown();
            out.close();
            servers.forEach(s -> s.stop(0));
            pool.shutdownNow();
            delete(dir);
        }
    }

    /**
     * {@code services} backends of {@code perService} servers each, then joins and leaves in random
     * services at {@code rate} per second for {@code duration}; every 10th change is timed to the
     * runtime state (the others are not waited for).
     */
    private static void churn(String haproxy, int services, int perService, int rate, Duration duration) throws Exception {
        Path dir = tempDir();
        HaproxyOutputBuilder b = HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath(haproxy)
                .configFilePath(dir.resolve("h.cfg")).restartInterval(Duration.ofSeconds(2))
                .global(List.of("maxconn 4096"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 30s", "timeout server 30s"));
        for (int s = 0; s < services; s++) {
            b.service("svc" + s, HaproxyService.builder().backend(List.of("balance roundrobin")).build());
        }
        HaproxyOutput out = b.build();
        java.util.Random random = new java.util.Random(42);
        try {
            out.start();
            List<List<ServiceInstance>> current = new ArrayList<>();
            List<ServiceSnapshot> snaps = new ArrayList<>();
            int next = 0;
            for (int s = 0; s < services; s++) {
                List<ServiceInstance> l = new ArrayList<>();
                for (int i = 0; i < perService; i++) {
                    l.add(instance(next++));
                }
                current.add(l);
                ServiceSnapshot snap = ServiceSnapshot.next(ServiceSnapshot.initial("svc" + s), l,
                        ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
                snaps.add(snap);
                out.update(snap);
            }
            Path stats = dir.resolve("h.cfg.sock");
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while ((out.reloadPending() || countAll(send(stats, "show servers state")) != services * perService)
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            int reloadsBefore = masterReloads(dir.resolve("h.cfg.master"));
            List<Long> timed = new ArrayList<>();
            long intervalNanos = 1_000_000_000L / rate;
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            int changes = 0;
            while (System.nanoTime() < end) {
                long due = start + changes * intervalNanos;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                int s = random.nextInt(services);
                List<ServiceInstance> l = current.get(s);
                boolean join = l.size() <= perService - 2 || l.size() < perService + 2 && random.nextBoolean();
                ServiceInstance changed;
                if (join) {
                    changed = instance(next++);
                    l.add(changed);
                } else {
                    changed = l.remove(random.nextInt(l.size()));
                }
                ServiceSnapshot snap = ServiceSnapshot.next(snaps.get(s), l, ServiceSnapshot.Source.ZOOKEEPER, true,
                        Instant.now());
                snaps.set(s, snap);
                long t0 = System.nanoTime();
                out.update(snap);
                changes++;
                if (join && changes % 10 == 0) {
                    String probe = "get weight svc" + s + "/" + serverName(changed);
                    long limit = t0 + Duration.ofSeconds(30).toNanos();
                    while (true) {
                        String answer = send(stats, probe);
                        if (!answer.isEmpty() && Character.isDigit(answer.charAt(0))) {
                            break;
                        }
                        if (System.nanoTime() > limit) {
                            throw new IllegalStateException("churn join not in the runtime state after 30 s");
                        }
                    }
                    timed.add(System.nanoTime() - t0);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(3000);
            int reloads = masterReloads(dir.resolve("h.cfg.master")) - reloadsBefore;
            long[] t = timed.stream().mapToLong(Long::longValue).toArray();
            System.out.printf("churn: %d services x %d servers, %d changes in %.1f s (%.0f/s) | timed joins (%d) runtime"
                    + " state %s | reloads (master) %d%n", services, perService, changes, seconds, changes / seconds,
                    t.length, percentiles(t), reloads);
        } finally {
            out.close();
            delete(dir);
        }
    }

    private static int countAll(String state) {
        int count = 0;
        for (String line : state.split("\n")) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0)) && line.contains(" svc")) {
                count++;
            }
        }
        return count;
    }

    static String percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", sorted[n / 2] / 1e6,
                sorted[(int) Math.min(n - 1, Math.ceil(n * 0.99) - 1)] / 1e6, sorted[n - 1] / 1e6);
    }

    private static int backendId(String state) {
        for (String line : state.split("\n")) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0)) && line.contains(" " + SERVICE + " ")) {
                return Integer.parseInt(line.split(" ")[0]);
            }
        }
        throw new IllegalStateException("no server of " + SERVICE + " in show servers state");
    }

    private static Map<String, Integer> serverIds(String state) {
        Map<String, Integer> ids = new HashMap<>();
        for (String line : state.split("\n")) {
            String[] t = line.split(" ");
            if (t.length > 4 && Character.isDigit(line.charAt(0)) && t[1].equals(SERVICE)) {
                ids.put(t[3], Integer.parseInt(t[2]));
            }
        }
        return ids;
    }

    private static void renderAndValidate(String haproxy, int n) throws Exception {
        Path dir = tempDir();
        HaproxyOutput out = HaproxyOutput.builder().haproxyPath(haproxy).configFilePath(dir.resolve("h.cfg"))
                .reload(HaproxyReload.none()).doSocket(false)
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 5s", "timeout server 5s"))
                .service(SERVICE, HaproxyService.builder().port(freePort()).bindAddress("127.0.0.1")
                        .backend(List.of("balance roundrobin")).build())
                .build();
        try {
            out.start();
            List<ServiceInstance> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(instance(i));
            }
            ServiceSnapshot snap = ServiceSnapshot.next(ServiceSnapshot.initial(SERVICE), all,
                    ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
            long t0 = System.nanoTime();
            out.update(snap);
            Path cfg = dir.resolve("h.cfg");
            String last = " b" + (n - 1) + "_127.0.0.1:";
            while (!(Files.exists(cfg) && Files.readString(cfg).contains(last))) {
                Thread.sleep(1);
            }
            long total = System.nanoTime() - t0;
            long[] render = new long[20];
            for (int i = 0; i < render.length; i++) {
                long r0 = System.nanoTime();
                out.renderConfig();
                render[i] = System.nanoTime() - r0;
            }
            Arrays.sort(render);
            System.out.printf("config with %d servers: %d bytes; render median %.2f ms; update -> rendered + haproxy -c"
                    + " + installed %.0f ms%n", n, Files.size(cfg), render[render.length / 2] / 1e6, total / 1e6);
        } finally {
            out.close();
            delete(dir);
        }
    }

    static int countServers(String state) {
        int count = 0;
        for (String line : state.split("\n")) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0)) && line.contains(" " + SERVICE + " ")) {
                count++;
            }
        }
        return count;
    }

    static int masterReloads(Path master) throws IOException {
        for (String line : send(master, "show proc").split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length >= 3 && t[1].equals("master")) {
                return Integer.parseInt(t[2]);
            }
        }
        throw new IllegalStateException("no master line in show proc");
    }

    static String send(Path socket, String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
