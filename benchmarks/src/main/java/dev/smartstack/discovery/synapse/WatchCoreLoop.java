package dev.smartstack.discovery.synapse;

import dev.smartstack.discovery.core.NerveCodec;
import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.core.ZooKeeperSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Locale;

/**
 * The watch core alone, without ZooKeeper, for {@code benchmarks.WatchCoreMeasurement}: it lives
 * in the synapse package (of the benchmarks module, on the class path) because the view it drives,
 * {@link BackendView}, is package-private. Not part of the library.
 */
public final class WatchCoreLoop {
    private WatchCoreLoop() {
    }

    /**
     * Decode, tree update, delta and one snapshot per change, on one thread, with {@code n}
     * backends: prints the nanoseconds of that thread's CPU per change.
     */
    public static void run(int n) {
        WatchedService service = WatchedService.builder().name("web").path("/services/web").build();
        SynapseWatcher owner = SynapseWatcher.builder()
                .zooKeeper(ZooKeeperSettings.of("127.0.0.1:1")).service(service).build();
        BackendView view = new BackendView(service, new BackendDecoder(service, owner));
        for (int i = 0; i < n; i++) {
            view.put(String.format(Locale.ROOT, "n%d_%010d", i, i), nerve("n" + i, 1 + i % 60_000), i,
                    "/services/web/n" + i);
        }
        ServiceSnapshot current = view.next(ServiceSnapshot.initial("web"), true, Instant.EPOCH);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int rounds = 20_000;
        long cpu = 0;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up
            long before = mx.getCurrentThreadCpuTime();
            for (int k = 0; k < rounds; k++) {
                String child = String.format(Locale.ROOT, "j%d_%010d", k, n + k);
                view.put(child, nerve("j" + k, 60_001), 1, child);
                current = view.next(current, true, Instant.EPOCH);
                view.put(child, nerve("j" + k, 60_002), 2, child);
                current = view.next(current, true, Instant.EPOCH);
                view.remove(child);
                current = view.next(current, true, Instant.EPOCH);
            }
            cpu = mx.getCurrentThreadCpuTime() - before;
        }
        System.out.printf(Locale.ROOT, "core only, N=%,d: %.1f us CPU per change (decode, tree, delta, snapshot);"
                + " %d backends%n", n, cpu / 1_000.0 / (3.0 * rounds), current.backends().size());
    }

    private static byte[] nerve(String name, int port) {
        return NerveCodec.encode(ServiceInstance.of(name, "127.0.0.1", port));
    }
}
