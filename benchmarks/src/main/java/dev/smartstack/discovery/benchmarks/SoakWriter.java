package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * The soak's writer, in its own JVM (started by {@link SoakHarness}): it registers
 * {@code services × backends} znodes under {@code /soak/s<i>}, prints {@code seeded}, waits for
 * {@code churn} on its standard input, then makes {@code rate} changes per second until its
 * standard input closes or its time is up. Each service has {@code backends × 3 / 2} slots, the
 * first {@code backends} of them taken at the start. Each change picks a service and a slot at
 * random: an empty slot joins; a taken one leaves or changes its data, half and half. Two thirds
 * of the slots are taken in that steady state, so a service keeps {@code backends} znodes on
 * average (never more than its slots), joins, leaves and data changes are a third each from the
 * first change on, and the tree stays bounded however long it runs.
 *
 * <p>Each change is appended to {@code <dir>/writes.log} as {@code <epoch µs before the request>
 * <join|leave|change> <key>}, the key that {@link SoakRecorder} writes when the watcher sees it.
 */
final class SoakWriter {
    static final String ROOT = "/soak";
    static final String CHANGE_LABEL = "soak_change";

    private SoakWriter() {
    }

    /** {@code SoakWriter <connect> <services> <backends> <rate> <max seconds> <dir>}. */
    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int services = Integer.parseInt(args[1]);
        int backends = Integer.parseInt(args[2]);
        double rate = Double.parseDouble(args[3]);
        long maxSeconds = Long.parseLong(args[4]);
        Path dir = Path.of(args[5]);
        AtomicBoolean stop = new AtomicBoolean();
        try (CuratorFramework zk = CuratorFrameworkFactory.builder().connectString(connect).sessionTimeoutMs(20_000)
                .connectionTimeoutMs(10_000).retryPolicy(new ExponentialBackoffRetry(100, 5)).build();
                BufferedWriter log = Files.newBufferedWriter(dir.resolve("writes.log"), StandardCharsets.UTF_8)) {
            zk.start();
            if (!zk.blockUntilConnected(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("writer could not connect to " + connect);
            }
            String[][] slots = new String[services][backends * 3 / 2 + (backends == 1 ? 1 : 0)];
            seed(zk, slots, backends);
            System.out.println("seeded");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (!"churn".equals(in.readLine())) {
                return;
            }
            Thread stdin = new Thread(() -> {
                try {
                    while (in.readLine() != null) {
                        // only the end of the stream matters
                    }
                } catch (IOException e) {
                    // the harness is gone: stop as well
                }
                stop.set(true);
            }, "soak-writer-stdin");
            stdin.setDaemon(true);
            stdin.start();
            churn(zk, slots, rate, maxSeconds, stop, log);
        }
    }

    /** Creates the first {@code backends} slots of each service, with a bounded number of requests in flight. */
    private static void seed(CuratorFramework zk, String[][] slots, int backends) throws Exception {
        Semaphore inFlight = new Semaphore(500);
        CountDownLatch done = new CountDownLatch(slots.length * backends);
        for (int s = 0; s < slots.length; s++) {
            zk.create().creatingParentContainersIfNeeded().forPath(ROOT + "/s" + s);
            for (int k = 0; k < backends; k++) {
                String path = path(s, k, 0);
                slots[s][k] = path;
                inFlight.acquire();
                zk.create().inBackground((c, e) -> {
                    inFlight.release();
                    done.countDown();
                }).forPath(path, data(s, k, "seed"));
            }
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("seeding did not finish");
        }
    }

    private static void churn(CuratorFramework zk, String[][] slots, double rate, long maxSeconds, AtomicBoolean stop,
            BufferedWriter log) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        long periodNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(maxSeconds);
        long lastFlush = start;
        for (long change = 1; !stop.get() && System.nanoTime() < end; change++) {
            long due = start + change * periodNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int s = random.nextInt(slots.length);
            int k = random.nextInt(slots[s].length);
            String current = slots[s][k];
            long micros = SoakRecorder.nowMicros();
            try {
                if (current == null) {
                    String path = path(s, k, change);
                    zk.create().forPath(path, data(s, k, Long.toString(change)));
                    slots[s][k] = path;
                    line(log, micros, "join", "c" + change);
                } else if (random.nextBoolean()) {
                    zk.delete().forPath(current);
                    slots[s][k] = null;
                    line(log, micros, "leave", SoakRecorder.goneKey("s" + s, current.substring(current.lastIndexOf('/') + 1)));
                } else {
                    zk.setData().forPath(current, data(s, k, Long.toString(change)));
                    line(log, micros, "change", "c" + change);
                }
            } catch (KeeperException e) {
                System.err.println("change " + change + " on " + current + " failed: " + e);
            }
            if (System.nanoTime() - lastFlush > TimeUnit.SECONDS.toNanos(1)) {
                log.flush();
                lastFlush = System.nanoTime();
            }
        }
        log.flush();
    }

    private static void line(BufferedWriter log, long micros, String kind, String key) throws IOException {
        log.write(micros + " " + kind + " " + key + "\n");
    }

    private static String path(int s, int k, long generation) {
        return String.format(Locale.ROOT, "%s/s%d/b%d_%d", ROOT, s, k, generation);
    }

    private static byte[] data(int s, int k, String change) {
        return NerveCodec.encode(ServiceInstance.builder().name("s" + s + "-b" + k).host("127.0.0.1")
                .port(20_000 + s % 1_000 * 20 + k % 20).labels(Map.of(CHANGE_LABEL, change)).build());
    }
}
