package dev.smartstack.discovery.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZnodeDecoder;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import dev.smartstack.discovery.testing.ZooKeeperProcess;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;

/**
 * End to end, from a znode change on a real ZooKeeper (its own JVM, {@link ZooKeeperProcess}) through
 * the real {@link SynapseWatcher} (decode {@code nerve}) and a managed {@link HaproxyOutput} to a real
 * HAProxy (master-worker, 127.0.0.1 only). Per change, from just before the writer's
 * {@code create()}/{@code delete()} until (a) HAProxy's runtime state shows it ({@code get weight}
 * answers; a leave: {@code show stat} says MAINT or the server is gone), (b) the installed config
 * file shows it, (c) real traffic: a join is reached when a request through the frontend is answered
 * by the new backend; a leave has left when {@value #LEFT_STREAK} consecutive requests are not (the
 * time is that of the first request of that streak). All three are polled in one loop.
 *
 * <p>Backends: one backend of N servers: N-1 fillers at weight 0 on closed ports (no checks, so
 * HAProxy neither probes nor sends them traffic), one anchor JDK HttpServer at weight 1 that is
 * always there, and the measured server: a JDK HttpServer whose znode (weight 1) joins and leaves,
 * alternately, with a new name each time. Traffic is therefore split between the anchor and the
 * measured server only, whatever N is. Also: HAProxy reloads per 1,000 membership changes as the
 * master counts them ({@code show proc}).
 *
 * <p>Run from the repository root: {@code scripts/bench EndToEndHaproxyHarness [sizes...] [--changes N]}
 * (default sizes 10 1000 10000, 100 changes per size after 4 untimed; each size also stops after
 * {@code -Dbudget.seconds}, default 240, and says so).
 */
public final class EndToEndHaproxyHarness {
    private static final String SERVICE = "bench";
    private static final int LEFT_STREAK = 10;
    private static final int WARMUP = 4;
    private static final int PROBES = 4;
    private static final Duration CHANGE_LIMIT = Duration.ofSeconds(30);

    private EndToEndHaproxyHarness() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        int changes = 100;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--changes")) {
                changes = Integer.parseInt(args[++i]);
            } else {
                sizes.add(Integer.parseInt(args[i]));
            }
        }
        if (sizes.isEmpty()) {
            sizes = List.of(10, 1000, 10000);
        }
        // the JDK HttpServer writes headers and body apart: without TCP_NODELAY each answer waits ~40 ms
        // for the client's delayed ACK, which would make every traffic probe that slow
        System.setProperty("sun.net.httpserver.nodelay", "true");
        String haproxy = System.getProperty("haproxy", "/usr/sbin/haproxy");
        Duration budget = Duration.ofSeconds(Long.getLong("budget.seconds", 240));
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        System.out.printf(Locale.ROOT, "# EndToEndHaproxyHarness sizes %s, %d changes per size; nproc %d, CPU %s;"
                + " HAProxy %s; load average at start %s%n", sizes, changes, Runtime.getRuntime().availableProcessors(),
                cpu, haproxy, Files.readString(Path.of("/proc/loadavg")).strip());
        LoadSampler load = new LoadSampler();
        load.start();
        HttpServer anchor = backend("anchor");
        List<HttpServer> probes = new ArrayList<>();
        for (int p = 0; p < PROBES; p++) {
            probes.add(backend("probe" + p));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (ZooKeeperProcess zk = ZooKeeperProcess.create().start();
                CuratorFramework writer = client(zk.connectString());
                CuratorFramework watcherClient = client(zk.connectString())) {
            for (int n : sizes) {
                run(haproxy, writer, watcherClient, http, anchor, probes, n, changes, budget, load);
            }
        } finally {
            anchor.stop(0);
            probes.forEach(s -> s.stop(0));
            load.interrupt();
        }
        System.out.printf(Locale.ROOT, "# load average (1 min) sampled every 5 s during the run: %s%n", load.summary());
    }

    private static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.newClient(connect, 30_000, 15_000, new RetryOneTime(200));
        c.start();
        if (!c.blockUntilConnected(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected to " + connect + " within 60 s");
        }
        return c;
    }

    /** A JDK HttpServer on 127.0.0.1 answering every request with its id. */
    private static HttpServer backend(String id) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        byte[] body = id.getBytes(StandardCharsets.US_ASCII);
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    private static byte[] znode(String name, int port, int weight) {
        return NerveCodec.encode(ServiceInstance.builder().name(name).host("127.0.0.1").port(port).weight(weight).build());
    }

    private static void run(String haproxy, CuratorFramework writer, CuratorFramework watcherClient, HttpClient http,
            HttpServer anchor, List<HttpServer> probes, int n, int changes, Duration budget, LoadSampler load)
            throws Exception {
        String path = "/e2e/n" + n;
        writer.create().creatingParentsIfNeeded().forPath(path);
        CountDownLatch created = new CountDownLatch(n - 1);
        for (int i = 0; i < n - 1; i++) {
            // closed ports (nothing listens on 1..n, and HAProxy sends no traffic and no checks at weight 0)
            writer.create().inBackground((c, e) -> created.countDown())
                    .forPath(path + "/f" + i, znode("f" + i, 1 + (i % 1000), 0));
        }
        if (!created.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("fillers not created within 5 minutes");
        }
        writer.create().forPath(path + "/anchor", znode("anchor", anchor.getAddress().getPort(), 1));
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "e2e");
        int frontend = HaproxyHarness.freePort();
        HaproxyOutput out = HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath(haproxy)
                .configFilePath(dir.resolve("h.cfg")).restartInterval(Duration.ofSeconds(2)).useNerveWeights(true)
                .global(List.of("maxconn 4096"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 30s", "timeout server 30s"))
                .service(SERVICE, HaproxyService.builder().port(frontend).bindAddress("127.0.0.1")
                        .backend(List.of("balance roundrobin")).build())
                .build();
        SynapseWatcher watcher = SynapseWatcher.builder().curator(watcherClient)
                .service(WatchedService.builder().name(SERVICE).path(path)
                        .decoder(ZnodeDecoder.forMethod("nerve", null)).build())
                .output(out).build();
        Path stats = dir.resolve("h.cfg.sock");
        Path cfg = dir.resolve("h.cfg");
        URI uri = URI.create("http://127.0.0.1:" + frontend + "/");
        try {
            out.start();
            watcher.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!(Files.exists(stats) && !out.reloadPending()
                    && HaproxyHarness.countServers(HaproxyHarness.send(stats, "show servers state " + SERVICE)) == n)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n + " servers not loaded in HAProxy within 5 minutes");
                }
                Thread.sleep(100);
            }
            long r0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                get(http, uri);
            }
            System.out.printf(Locale.ROOT, "  (one request through the frontend: %.2f ms on average)%n",
                    (System.nanoTime() - r0) / 20 / 1e6);
            int reloadsBefore = HaproxyHarness.masterReloads(dir.resolve("h.cfg.master"));
            long outputReloadsBefore = out.reloads();
            int total = WARMUP + changes;
            long[][] runtime = {new long[changes], new long[changes]};
            long[][] file = {new long[changes], new long[changes]};
            long[][] traffic = {new long[changes], new long[changes]};
            int[] count = new int[2];
            long end = System.nanoTime() + budget.toNanos();
            String name = null;
            String znode = null;
            String probeId = null;
            int done = 0;
            for (int c = 0; c < total && (c < WARMUP || System.nanoTime() < end); c++) {
                boolean join = c % 2 == 0;
                String runtimeProbe;
                long t0;
                if (join) {
                    int p = (c / 2) % PROBES;
                    probeId = "probe" + p;
                    int port = probes.get(p).getAddress().getPort();
                    String instance = "m" + c;
                    name = instance + "_127.0.0.1:" + port;
                    znode = path + "/" + instance;
                    runtimeProbe = "get weight " + SERVICE + "/" + name;
                    byte[] data = znode(instance, port, 1);
                    t0 = System.nanoTime();
                    writer.create().withMode(CreateMode.EPHEMERAL).forPath(znode, data);
                } else {
                    String state = HaproxyHarness.send(stats, "show servers state " + SERVICE); // untimed
                    runtimeProbe = "show stat " + backendId(state) + " 4 " + serverId(state, name);
                    t0 = System.nanoTime();
                    writer.delete().forPath(znode);
                }
                long limit = t0 + CHANGE_LIMIT.toNanos();
                long tRuntime = -1;
                long tFile = -1;
                long tTraffic = -1;
                int streak = 0;
                long streakStart = 0;
                String line = "server " + name + " ";
                while (tRuntime < 0 || tFile < 0 || tTraffic < 0) {
                    if (System.nanoTime() > limit) {
                        throw new IllegalStateException((join ? "join " : "leave ") + name + " at " + n
                                + " servers not seen within " + CHANGE_LIMIT + ": runtime " + tRuntime + " file " + tFile
                                + " traffic " + tTraffic);
                    }
                    if (tRuntime < 0) {
                        String answer = HaproxyHarness.send(stats, runtimeProbe);
                        boolean visible = join ? !answer.isEmpty() && Character.isDigit(answer.charAt(0))
                                : answer.contains(",MAINT") || answer.startsWith("# pxname")
                                        && answer.strip().lines().count() == 1;
                        if (visible) {
                            tRuntime = System.nanoTime() - t0;
                        }
                    }
                    if (tFile < 0 && Files.readString(cfg).contains(line) == join) {
                        tFile = System.nanoTime() - t0;
                    }
                    if (tTraffic < 0) {
                        long sent = System.nanoTime();
                        boolean reached = probeId.equals(get(http, uri));
                        if (join && reached) {
                            tTraffic = System.nanoTime() - t0;
                        } else if (!join) {
                            if (reached) {
                                streak = 0;
                            } else if (streak++ == 0) {
                                streakStart = sent;
                            }
                            if (streak >= LEFT_STREAK) {
                                tTraffic = streakStart - t0;
                            }
                        }
                    }
                    LockSupport.parkNanos(100_000);
                }
                if (c >= WARMUP) {
                    int k = join ? 0 : 1;
                    runtime[k][count[k]] = tRuntime;
                    file[k][count[k]] = tFile;
                    traffic[k][count[k]] = tTraffic;
                    count[k]++;
                    done++;
                }
            }
            Thread.sleep(3000); // the last config write and any pending reload settle
            int reloads = HaproxyHarness.masterReloads(dir.resolve("h.cfg.master")) - reloadsBefore;
            System.out.printf(Locale.ROOT, "servers=%d timed changes=%d%s (load now %s)%n", n, done,
                    done < changes ? " (stopped by the " + budget.toSeconds() + " s budget)" : "",
                    Files.readString(Path.of("/proc/loadavg")).strip());
            for (int k = 0; k < 2; k++) {
                String kind = k == 0 ? "join " : "leave";
                System.out.printf(Locale.ROOT, "  %s (%d) | runtime state %s | config file %s | traffic %s%n", kind,
                        count[k], HaproxyHarness.percentiles(Arrays.copyOf(runtime[k], count[k])),
                        HaproxyHarness.percentiles(Arrays.copyOf(file[k], count[k])),
                        HaproxyHarness.percentiles(Arrays.copyOf(traffic[k], count[k])));
            }
            System.out.printf(Locale.ROOT, "  reloads (master, warm-up included) %d over %d changes = %.1f per 1,000"
                    + " membership changes (output counted %d)%n", reloads, done + WARMUP,
                    reloads * 1000.0 / (done + WARMUP), out.reloads() - outputReloadsBefore);
        } finally {
            watcher.close();
            out.close();
            writer.delete().deletingChildrenIfNeeded().forPath(path);
            HaproxyHarness.delete(dir);
        }
        load.mark();
    }

    private static String get(HttpClient http, URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "status " + r.statusCode();
        } catch (java.io.IOException e) {
            return "error " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int backendId(String state) {
        for (String line : state.split("\n")) {
            String[] t = line.split(" ");
            if (t.length > 4 && Character.isDigit(line.charAt(0)) && t[1].equals(SERVICE)) {
                return Integer.parseInt(t[0]);
            }
        }
        throw new IllegalStateException("no server of " + SERVICE + " in show servers state");
    }

    private static int serverId(String state, String name) {
        for (String line : state.split("\n")) {
            String[] t = line.split(" ");
            if (t.length > 4 && Character.isDigit(line.charAt(0)) && t[1].equals(SERVICE) && t[3].equals(name)) {
                return Integer.parseInt(t[2]);
            }
        }
        throw new IllegalStateException("no server " + name + " in show servers state");
    }

    /** Samples the 1-minute load average every 5 s. */
    private static final class LoadSampler extends Thread {
        private final List<Double> samples = new ArrayList<>();

        LoadSampler() {
            super("e2e-load-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                try {
                    double l = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                    synchronized (samples) {
                        samples.add(l);
                    }
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException e) {
                    return;
                }
            }
        }

        void mark() {
            System.out.printf(Locale.ROOT, "  load (1 min) so far: %s%n", summary());
        }

        String summary() {
            synchronized (samples) {
                if (samples.isEmpty()) {
                    return "no samples";
                }
                double min = samples.stream().mapToDouble(Double::doubleValue).min().orElse(0);
                double max = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                return String.format(Locale.ROOT, "%d samples, min %.2f, mean %.2f, max %.2f", samples.size(), min, mean,
                        max);
            }
        }
    }
}
