package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
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
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Measures the HAProxy output against a real HAProxy (managed, master-worker, 127.0.0.1 only):
 * <ul>
 *   <li>latency from a snapshot handed to {@link HaproxyOutput#update} to {@code show servers state}
 *       reflecting it, p50/p99, with 10, 1,000 and 5,000 backends (alternating joins and leaves);</li>
 *   <li>HAProxy reloads per 1,000 membership changes (counted by the master CLI's {@code show proc});</li>
 *   <li>time to render, and to render + validate ({@code haproxy -c}) + install, a 5,000-server config.</li>
 * </ul>
 * Run from the repository root (no {@code mvn install} needed):
 * <pre>
 * mvn -B -q -pl benchmarks -am compile
 * mvn -B -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * CP="discovery-core/target/classes:discovery-synapse/target/classes:discovery-haproxy/target/classes:benchmarks/target/classes:$(tr ':' '\n' &lt; benchmarks/target/cp.txt | grep -v dev/smartstack | paste -sd:)"
 * java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.smartstack.discovery.benchmarks.HaproxyHarness
 * </pre>
 * The HAProxy binary defaults to {@code /usr/sbin/haproxy} ({@code -Dhaproxy=...}).
 */
public final class HaproxyHarness {
    private static final String SERVICE = "bench";

    private HaproxyHarness() {
    }

    public static void main(String[] args) throws Exception {
        String haproxy = System.getProperty("haproxy", "/usr/sbin/haproxy");
        System.out.println("# HaproxyHarness, HAProxy at " + haproxy + ", " + Runtime.getRuntime().availableProcessors() + " cpus");
        latency(haproxy, 10, 1000, true);
        latency(haproxy, 1000, 300, false);
        latency(haproxy, 5000, 100, false);
        renderAndValidate(haproxy, 5000);
    }

    private static Path tempDir() throws IOException {
        return Files.createTempDirectory(Path.of("/tmp"), "hxb");
    }

    private static HaproxyOutput output(String haproxy, Path dir) {
        return HaproxyOutput.builder().reload(HaproxyReload.managed()).haproxyPath(haproxy).configFilePath(dir.resolve("h.cfg"))
                .restartInterval(Duration.ofSeconds(2))
                .global(List.of("maxconn 4096"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 5s", "timeout server 5s"))
                .service(SERVICE, HaproxyService.builder().port(freePort()).bindAddress("127.0.0.1")
                        .backend(List.of("balance roundrobin")).build())
                .build();
    }

    private static ServiceInstance instance(int i) {
        // Nothing listens on these ports; HAProxy does not need them to, as there are no health checks.
        return ServiceInstance.builder().name("b" + i).host("127.0.0.1").port(10000 + i)
                .znodeName("b" + i + "_" + String.format("%010d", i)).build();
    }

    private static void latency(String haproxy, int n, int changes, boolean alsoReloads) throws Exception {
        Path dir = tempDir();
        HaproxyOutput out = output(haproxy, dir);
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
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while ((out.reloadPending() || countServers(send(stats, "show servers state " + SERVICE)) != n)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            int reloadsBefore = masterReloads(dir.resolve("h.cfg.master"));
            long outputReloadsBefore = out.reloads();
            long[] nanos = new long[changes];
            int next = n;
            for (int c = 0; c < changes; c++) {
                boolean join = c % 2 == 0;
                String expect;
                if (join) {
                    ServiceInstance added = instance(next++);
                    current.add(added);
                    expect = " " + added.name() + "_127.0.0.1:" + added.port() + " ";
                } else {
                    ServiceInstance removed = current.remove(0);
                    expect = " " + removed.name() + "_127.0.0.1:" + removed.port() + " ";
                }
                long t0 = System.nanoTime();
                snap = ServiceSnapshot.next(snap, current, ServiceSnapshot.Source.ZOOKEEPER, true, Instant.now());
                out.update(snap);
                long limit = t0 + Duration.ofSeconds(30).toNanos();
                while (send(stats, "show servers state " + SERVICE).contains(expect) != join) {
                    if (System.nanoTime() > limit) {
                        throw new IllegalStateException("change " + c + " not visible after 30 s");
                    }
                }
                nanos[c] = System.nanoTime() - t0;
            }
            // let the last config write and any pending reload settle
            Thread.sleep(3000);
            int reloads = masterReloads(dir.resolve("h.cfg.master")) - reloadsBefore;
            Arrays.sort(nanos);
            System.out.printf("backends=%d changes=%d latency p50=%.2f ms p99=%.2f ms max=%.2f ms; reloads during changes:"
                    + " master=%d output=%d%s%n", n, changes, nanos[changes / 2] / 1e6,
                    nanos[(int) Math.min(changes - 1, Math.ceil(changes * 0.99) - 1)] / 1e6, nanos[changes - 1] / 1e6,
                    reloads, out.reloads() - outputReloadsBefore,
                    alsoReloads ? String.format(" => %.1f reloads per 1,000 membership changes", reloads * 1000.0 / changes) : "");
        } finally {
            out.close();
            delete(dir);
        }
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

    private static int countServers(String state) {
        int count = 0;
        for (String line : state.split("\n")) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0)) && line.contains(" " + SERVICE + " ")) {
                count++;
            }
        }
        return count;
    }

    private static int masterReloads(Path master) throws IOException {
        for (String line : send(master, "show proc").split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length >= 3 && t[1].equals("master")) {
                return Integer.parseInt(t[2]);
            }
        }
        throw new IllegalStateException("no master line in show proc");
    }

    private static String send(Path socket, String command) throws IOException {
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

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
