package dev.smartstack.discovery.synapse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smartstack.discovery.core.CountingMetrics;
import dev.smartstack.discovery.core.DiscoveryMetrics;
import dev.smartstack.discovery.core.HostileZnodes;
import dev.smartstack.discovery.core.InvalidInstanceException;
import dev.smartstack.discovery.core.PathEncoding;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZnodeDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;

/**
 * Generated hostile znodes land among good ones under the path of a real {@link SynapseWatcher}
 * on a real ZooKeeper. After each batch: every good backend is still served, exactly the znodes
 * whose data decodes are served, grandchildren never are, and every refused znode version gives
 * exactly one refusal event (listener and metric). jqwik prints the seed of a failing run.
 */
class HostileZnodeWatcherIT {
    private static final String SERVICE = "hostile";
    private static final String PATH = "/services/hostile";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> GOOD = List.of("good-a", "good-b", "good-c");

    private static TestingServer server;
    private static CuratorFramework writer;
    private static CuratorFramework watcherClient;
    private static SynapseWatcher watcher;
    private static final CountingMetrics metrics = new CountingMetrics();
    /** Refusal events per znode path. */
    private static final Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    private static final Map<String, String> goodPaths = new LinkedHashMap<>();
    private static final AtomicInteger markers = new AtomicInteger();

    private final List<String> created = new ArrayList<>();

    @BeforeContainer
    static void start() throws Exception {
        server = new TestingServer(true);
        writer = client();
        watcherClient = client();
        int port = 21_001;
        for (String g : GOOD) {
            String p = writer.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(PATH + "/" + g + "_", HostileZnodes.good(g, port++));
            goodPaths.put(g, p);
        }
        watcher = SynapseWatcher.builder().curator(watcherClient)
                .service(WatchedService.builder().name(SERVICE).path(PATH).build())
                .metrics(metrics)
                .listener(new SynapseListener() {
                    @Override
                    public void refused(String service, String znodePath, String reason) {
                        refusals.computeIfAbsent(znodePath, p -> new AtomicInteger()).incrementAndGet();
                    }
                }).build().start();
        assertThat(watcher.awaitInitialized(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> served().containsAll(goodChildren()));
    }

    @AfterContainer
    static void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        watcherClient.close();
        writer.close();
        server.close();
    }

    @AfterTry
    void deleteWhatThisTryCreated() throws Exception {
        for (String p : created) {
            writer.delete().quietly().deletingChildrenIfNeeded().forPath(p);
        }
        created.clear();
        await().atMost(WAIT).until(() -> served().equals(goodChildren()));
    }

    private static CuratorFramework client() {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
                .sessionTimeoutMs(30_000).connectionTimeoutMs(10_000).retryPolicy(new RetryOneTime(200)).build();
        c.start();
        return c;
    }

    private static Set<String> served() {
        return watcher.snapshot(SERVICE).backends().stream().map(i -> i.znodeName().orElseThrow())
                .collect(Collectors.toSet());
    }

    private static Set<String> goodChildren() {
        return goodPaths.values().stream().map(HostileZnodeWatcherIT::child).collect(Collectors.toSet());
    }

    private static String child(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Whether the watcher should serve this child with this data (the decoder is the oracle). */
    private static boolean decodes(String child, byte[] data) {
        try {
            return ZnodeDecoder.nerve().decode(child, data).isPresent();
        } catch (InvalidInstanceException e) {
            return false;
        }
    }

    private String create(String path, byte[] data, CreateMode mode) throws Exception {
        String p = writer.create().withMode(mode).forPath(path, data);
        created.add(p);
        return p;
    }

    /** Creates a marker backend and waits until the watcher serves it: every earlier write has been seen. */
    private void barrier() throws Exception {
        String marker = create(PATH + "/marker-" + markers.incrementAndGet() + "_",
                HostileZnodes.good("marker", 22_000), CreateMode.PERSISTENT_SEQUENTIAL);
        await().atMost(WAIT).until(() -> served().contains(child(marker)));
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, HostileZnodes.Payload>>> batches() {
        return Combinators.combine(HostileZnodes.childNames(), HostileZnodes.payloads()).as((n, p) -> Tuple.of(n, p))
                .list().ofMinSize(1).ofMaxSize(25).uniqueElements(Tuple.Tuple2::get1);
    }

    @Provide
    Arbitrary<List<HostileZnodes.Payload>> garbage() {
        return HostileZnodes.hostilePayloads().list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 25)
    void hostileZnodes_amongGoodOnes_goodOnesServedRefusedOnesRefusedOncePerVersion(
            @ForAll("batches") List<Tuple.Tuple2<String, HostileZnodes.Payload>> batch,
            @ForAll("garbage") List<HostileZnodes.Payload> overwrites) throws Exception {
        refusals.clear();
        long refusedBefore = metrics.count(DiscoveryMetrics.ZNODE_REFUSED, SERVICE);
        Map<String, Integer> expectedRefusals = new LinkedHashMap<>();
        Set<String> expectedServed = new HashSet<>(goodChildren());
        Set<String> pathEncoded = new HashSet<>();

        for (Tuple.Tuple2<String, HostileZnodes.Payload> t : batch) {
            String p = create(PATH + "/" + t.get1(), t.get2().data(), CreateMode.PERSISTENT);
            if (PathEncoding.isEncoded(t.get1())) {
                pathEncoded.add(t.get1()); // the watcher may read the name instead of the data
            } else if (decodes(t.get1(), t.get2().data())) {
                expectedServed.add(t.get1());
            } else {
                expectedRefusals.put(p, 1);
            }
        }
        // a good instance of this try, overwritten with garbage version after version
        String victim = create(PATH + "/victim_", HostileZnodes.good("victim", 23_000), CreateMode.PERSISTENT_SEQUENTIAL);
        // a grandchild with good data never becomes a backend
        create(goodPaths.get("good-a") + "/grandchild", HostileZnodes.good("grandchild", 23_001), CreateMode.PERSISTENT);
        barrier();
        assertThat(served()).contains(child(victim));
        int victimRefusals = 0;
        boolean victimServed = true;
        for (HostileZnodes.Payload g : overwrites) {
            writer.setData().forPath(victim, g.data());
            barrier(); // one version at a time: two quick writes may be read as one, the newer
            victimServed = decodes(child(victim), g.data());
            victimRefusals += victimServed ? 0 : 1;
        }
        if (victimServed) {
            expectedServed.add(child(victim));
        }
        if (victimRefusals > 0) {
            expectedRefusals.put(victim, victimRefusals);
        }

        Set<String> servedNow = served();
        servedNow.removeIf(c -> c.startsWith("marker-"));
        servedNow.removeAll(pathEncoded);
        assertThat(servedNow).as("served after %s", batch).isEqualTo(expectedServed);
        assertThat(servedNow).doesNotContain("grandchild");
        for (ServiceInstance i : watcher.snapshot(SERVICE).backends()) {
            assertThat(i.toString()).doesNotContain("\n", "\r"); // label values may hold '#': they are data
        }
        Map<String, Integer> actual = new LinkedHashMap<>();
        refusals.forEach((p, n) -> {
            // only this try's znodes: jqwik abandons a shrinking try at its time bound, not its writes
            if (created.contains(p) && !pathEncoded.contains(child(p))) {
                actual.put(p, n.get());
            }
        });
        assertThat(actual).as("refusal events per znode after %s", batch).isEqualTo(expectedRefusals);
        long pathEncodedRefusals = refusals.entrySet().stream().filter(e -> pathEncoded.contains(child(e.getKey())))
                .mapToLong(e -> e.getValue().get()).sum();
        assertThat(metrics.count(DiscoveryMetrics.ZNODE_REFUSED, SERVICE) - refusedBefore)
                .as("refusal metric").isEqualTo(expectedRefusals.values().stream().mapToLong(Integer::longValue).sum()
                        + pathEncodedRefusals);
    }

    /**
     * Issue 12: a good object followed by a second one became a backend, never logged as refused,
     * and a good instance overwritten with such data was silently replaced.
     */
    @Example
    void trailingContent_newZnodeAndOverwrittenGoodOne_refusedOnceAndNeverServed() throws Exception {
        refusals.clear();
        String good = "{\"host\":\"127.0.0.1\",\"port\":26768,\"name\":\"trail\"}";
        byte[] trailing = (good + "{\"host\":\"127.0.0.1\",\"port\":26769,\"name\":\"second\"}").getBytes(UTF_8);
        String fresh = create(PATH + "/trail_", trailing, CreateMode.PERSISTENT_SEQUENTIAL);
        String overwritten = create(PATH + "/victim_", HostileZnodes.good("victim", 26770), CreateMode.PERSISTENT_SEQUENTIAL);
        barrier();
        assertThat(served()).contains(child(overwritten)).doesNotContain(child(fresh));
        writer.setData().forPath(overwritten, trailing);
        barrier();
        assertThat(served()).doesNotContain(child(fresh), child(overwritten)).containsAll(goodChildren());
        assertThat(watcher.snapshot(SERVICE).backends()).extracting(ServiceInstance::port).doesNotContain(26768, 26769);
        assertThat(refusals.keySet()).filteredOn(created::contains).containsOnly(fresh, overwritten);
        assertThat(refusals.get(fresh)).hasValue(1);
        assertThat(refusals.get(overwritten)).hasValue(1);
    }

    /** Writing the same refused data again is a new version, refused (and reported) once more. */
    @Example
    void refusedZnode_sameDataWrittenAgain_oneRefusalPerVersion() throws Exception {
        refusals.clear();
        byte[] bad = "{\"host\":\"127.0.0.1\\nserver evil 127.0.0.9:80\",\"port\":1}".getBytes(UTF_8);
        String p = create(PATH + "/evil_", bad, CreateMode.PERSISTENT_SEQUENTIAL);
        barrier();
        assertThat(refusals.get(p)).hasValue(1);
        writer.setData().forPath(p, bad);
        barrier();
        writer.setData().forPath(p, bad);
        barrier();
        assertThat(refusals.get(p)).hasValue(3);
        assertThat(served()).doesNotContain(child(p));
    }
}
