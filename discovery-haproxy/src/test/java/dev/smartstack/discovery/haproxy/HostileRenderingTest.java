package dev.smartstack.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smartstack.discovery.core.HostileZnodes;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.Validation;
import dev.smartstack.discovery.core.ZnodeDecoder;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based hostile input at the rendering level, through the public {@link HaproxyOutput}
 * API: whatever the znodes hold, the rendered config holds the operator's lines and one
 * {@code server} line per backend that was not refused, made only of that backend's address, the
 * operator's {@code server_options} and the backend's own {@code haproxy_server_options}; nothing
 * else. The real {@code haproxy -c} checks a sample of the cases, and every case once one has
 * failed, so the counterexample that jqwik shrinks to is always checked by it too.
 */
class HostileRenderingTest {
    private static final String HAPROXY = "/usr/sbin/haproxy";
    private static final int CHECK_EVERY = 20;
    private static final Pattern SERVER = Pattern.compile("  server ([A-Za-z0-9._:-]+) (\\S+) id (\\d+)(?: weight (\\d+))?(.*)");
    private static final AtomicInteger tries = new AtomicInteger();
    private static volatile boolean checkEveryCase;
    /** The operator's config: rendered without any backend. */
    private static final String BASELINE = render(List.of(), new ArrayList<>());

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, HostileZnodes.Payload>>> znodes() {
        return Combinators.combine(HostileZnodes.childNames(), HostileZnodes.payloads()).as((n, p) -> Tuple.of(n, p))
                .list().ofMinSize(0).ofMaxSize(12).uniqueElements(Tuple.Tuple2::get1);
    }

    /** haproxy_server_options that pass the core's character rules: the whitelist decides. */
    @Provide
    Arbitrary<List<String>> serverOptions() {
        Arbitrary<String> keyword = Arbitraries.of("check", "backup", "disabled", "enabled", "non-stick", "send-proxy",
                "agent-check", "weight", "maxconn", "minconn", "port", "agent-port", "inter", "fastinter", "slowstart",
                "rise", "fall", "observe", "on-error", "on-marked-down", "redir", "track", "ssl", "crt", "ca-file",
                "addr", "id", "cookie", "source", "resolvers", "init-addr", "namespace", "usesrc", "set-proxy-v2-tlv-fmt",
                "server", "backend", "listen", "bind", "use_backend", "http-request", "%{host}", "%{port}");
        Arbitrary<String> argument = Arbitraries.of("", "0", "1", "2s", "500ms", "0ms", "25d", "257", "65536", "1000001",
                "-1", "layer4", "layer7", "shutdown-sessions", "mark-down", "web/a", "/etc/passwd", "127.0.0.9:80",
                "http://127.0.0.9", "none", "last,libc,none", "%{name}", "1e3", "99999999999");
        Arbitrary<String> pair = Combinators.combine(keyword, argument).as((k, a) -> a.isEmpty() ? k : k + " " + a);
        Arbitrary<String> options = pair.list().ofMinSize(1).ofMaxSize(5).map(l -> String.join(" ", l));
        return options.filter(HostileRenderingTest::coreAccepts).list().ofMaxSize(6);
    }

    @Property(tries = 400)
    void render_hostileZnodesAndOptions_onlyOperatorLinesAndServersOfAcceptedBackends(
            @ForAll("znodes") List<Tuple.Tuple2<String, HostileZnodes.Payload>> znodes,
            @ForAll("serverOptions") List<String> options) throws Exception {
        List<ServiceInstance> backends = new ArrayList<>();
        for (Tuple.Tuple2<String, HostileZnodes.Payload> z : znodes) {
            try {
                ZnodeDecoder.nerve().decode(z.get1(), z.get2().data()).ifPresent(backends::add);
            } catch (InvalidInstanceException e) {
                // refused by the watcher; never reaches an output
            }
        }
        for (int i = 0; i < options.size(); i++) {
            backends.add(ServiceInstance.builder().name("opt" + i).host("127.0.0.1").port(30_000 + i)
                    .haproxyServerOptions(options.get(i)).znodeName("opt" + i + "_0000000001").build());
        }
        String baseline = BASELINE;
        List<String> refused = new CopyOnWriteArrayList<>();
        String config = render(backends, refused);
        Statistics.collect(backends.size() - refused.size() > 0 ? "servers rendered" : "no server rendered");

        String problem = unexplainedLines(baseline, config, backends, refused);
        int n = tries.incrementAndGet();
        if (problem != null || checkEveryCase || n % CHECK_EVERY == 0) {
            String check = haproxyCheck(config);
            if (check != null) {
                checkEveryCase = true;
            }
            assertThat(check).as("haproxy -c of\n%s", config).isNull();
        }
        assertThat(problem).as("config for %s and options %s:\n%s", znodes, options, config).isNull();
    }

    private static String render(List<ServiceInstance> backends, List<String> refused) {
        HaproxyOutput output = HaproxyOutput.builder()
                .global(List.of("maxconn 256"))
                .defaults(List.of("mode http", "timeout connect 1s", "timeout client 5s", "timeout server 5s"))
                .service("web", HaproxyService.builder().port(3213).bindAddress("127.0.0.1")
                        .serverOptions("check inter 2s").backend(List.of("balance roundrobin")).build())
                .doWrites(false).reload(HaproxyReload.none()).doSocket(false)
                .listener(new HaproxyListener() {
                    @Override
                    public void backendRefused(String service, ServiceInstance instance, String reason) {
                        refused.add(instance.key());
                    }
                }).build();
        try {
            output.start();
            output.update(ServiceSnapshot.next(ServiceSnapshot.initial("web"), backends, ServiceSnapshot.Source.ZOOKEEPER,
                    true, Instant.EPOCH));
            return output.renderConfig();
        } finally {
            output.close();
        }
    }

    /**
     * Null when every line of {@code config} is either one of the operator's (a line of the
     * config rendered without backends) or a server line that an accepted backend explains;
     * otherwise what is wrong.
     */
    private static String unexplainedLines(String baseline, String config, List<ServiceInstance> backends,
            List<String> refused) {
        Map<String, Integer> operatorLines = new HashMap<>();
        for (String l : baseline.split("\n", -1)) {
            operatorLines.merge(l, 1, Integer::sum);
        }
        // each server line needs its own accepted backend that explains it (a matching, as two
        // backends may share an address)
        List<List<Integer>> candidates = new ArrayList<>();
        for (String line : config.split("\n", -1)) {
            Integer left = operatorLines.get(line);
            if (left != null && left > 0) {
                operatorLines.put(line, left - 1);
                continue;
            }
            Matcher m = SERVER.matcher(line);
            if (!m.matches()) {
                return "line " + Validation.quote(line) + " is neither the operator's nor a server line";
            }
            List<String> rest = Arrays.stream(m.group(5).strip().split(" ")).filter(t -> !t.isEmpty()).toList();
            List<Integer> owners = new ArrayList<>();
            for (int b = 0; b < backends.size(); b++) {
                ServiceInstance i = backends.get(b);
                if (i.address().equals(m.group(2)) && !refused.contains(i.key()) && explains(i, rest)) {
                    owners.add(b);
                }
            }
            if (owners.isEmpty()) {
                return "server line " + Validation.quote(line) + " is explained by no accepted backend";
            }
            candidates.add(owners);
        }
        int[] lineOf = new int[backends.size()];
        Arrays.fill(lineOf, -1);
        for (int l = 0; l < candidates.size(); l++) {
            if (!match(l, candidates, lineOf, new boolean[backends.size()])) {
                return "server lines and accepted backends do not pair up: " + candidates;
            }
        }
        int servers = candidates.size();
        for (Map.Entry<String, Integer> e : operatorLines.entrySet()) {
            if (e.getValue() > 0) {
                return "the operator's line " + Validation.quote(e.getKey()) + " is missing";
            }
        }
        long expected = backends.stream().map(ServiceInstance::key).distinct().filter(k -> !refused.contains(k)).count();
        if (servers != expected) {
            return servers + " server lines for " + expected + " backends that were not refused (refused: " + refused + ")";
        }
        return null;
    }

    /** Kuhn's augmenting path: finds a backend for line {@code l}, moving earlier lines if needed. */
    private static boolean match(int l, List<List<Integer>> candidates, int[] lineOf, boolean[] seen) {
        for (int b : candidates.get(l)) {
            if (!seen[b]) {
                seen[b] = true;
                if (lineOf[b] < 0 || match(lineOf[b], candidates, lineOf, seen)) {
                    lineOf[b] = l;
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether every token after the id and weight comes from the operator's or the backend's options. */
    private static boolean explains(ServiceInstance i, List<String> tokens) {
        Set<String> allowed = new HashSet<>(List.of("check", "inter", "2s", "init-addr", "last,libc,none"));
        i.haproxyServerOptions().ifPresent(o -> allowed.addAll(List.of(o.strip().split(" +"))));
        return allowed.containsAll(tokens);
    }

    private static boolean coreAccepts(String options) {
        try {
            Validation.requireValidServerOptions(options);
            return true;
        } catch (InvalidInstanceException e) {
            return false;
        }
    }

    /** Null when {@code haproxy -c} accepts {@code config}, else its output. */
    private static String haproxyCheck(String config) throws IOException, InterruptedException {
        Path file = Files.createTempFile("smartstack-hostile-", ".cfg");
        Path out = Files.createTempFile("smartstack-hostile-", ".out");
        try {
            Files.writeString(file, config, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(HAPROXY, "-c", "-f", file.toString()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "haproxy -c did not finish within 60 s";
            }
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + Files.readString(out);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(out);
        }
    }
}
