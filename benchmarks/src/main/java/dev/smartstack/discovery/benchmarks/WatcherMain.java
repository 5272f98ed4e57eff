package dev.smartstack.discovery.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;

/**
 * The JVM of one watcher under test, driven by {@link WatchRace} over stdin/stdout, one command
 * per line; every answer starts with {@code @} (logs go to stderr):
 * <pre>
 * (connects first, then)        @CONNECTED
 * START                         @READY &lt;cold start ns: build the watcher, start it, first view&gt; &lt;instances&gt;
 * CLOCK                         @CLOCK &lt;System.nanoTime()&gt;
 * EXPECT &lt;expectation&gt;          @ARMED, later @SEEN &lt;System.nanoTime()&gt;
 * SESSION                       @SESSION &lt;id hex&gt; &lt;password base64&gt;
 * CPU                           @CPU &lt;process CPU ns&gt;
 * HEAP                          @HEAP &lt;heap bytes used after two System.gc()&gt;
 * DUMP &lt;file&gt;                   @DUMPED &lt;instances&gt; (lines "znode port")
 * QUIT                          (exits)
 * </pre>
 * Arguments: {@code servicecache|synapse <connect string> <service path> <decode method>}.
 */
final class WatcherMain {
    static final int SESSION_TIMEOUT_MS = 15_000;

    private WatcherMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: servicecache|synapse <connect> <path> <decode> but was "
                    + List.of(args));
        }
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(args[1])
                .sessionTimeoutMs(SESSION_TIMEOUT_MS).connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 10, 1_000)).build();
        client.start();
        if (!client.blockUntilConnected(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not connect to " + args[1]);
        }
        if (!args[0].equals("servicecache") && !args[0].equals("synapse")) {
            throw new IllegalArgumentException("side must be servicecache or synapse but was " + args[0]);
        }
        out.println("@CONNECTED");
        RaceSide side = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.split(" ", 2);
            switch (words[0]) {
                case "START" -> {
                    // Built inside the timed window: each side's first use of Jackson (an ObjectMapper
                    // and its classes, several hundred ms in a fresh JVM) falls in its cold start,
                    // wherever the side happens to build its mapper (ServiceCache: in its
                    // constructor; ours: at the first decode).
                    long start = System.nanoTime();
                    side = args[0].equals("servicecache") ? new ServiceCacheSide(out, client, args[2])
                            : new SynapseSide(out, client, args[2], args[3]);
                    side.start();
                    long cold = System.nanoTime() - start;
                    out.println("@READY " + cold + " " + side.view().size());
                }
                case "CLOCK" -> out.println("@CLOCK " + System.nanoTime());
                case "EXPECT" -> side.arm(Expectation.parse(words[1]));
                case "SESSION" -> {
                    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
                    out.println("@SESSION " + Long.toHexString(zk.getSessionId()) + " "
                            + Base64.getEncoder().encodeToString(zk.getSessionPasswd()));
                }
                case "CPU" -> out.println("@CPU " + ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class)
                        .getProcessCpuTime());
                case "HEAP" -> out.println("@HEAP " + heapAfterGc());
                case "DUMP" -> {
                    Map<String, Integer> ports = side.ports();
                    List<String> lines = new ArrayList<>(ports.size());
                    ports.forEach((z, p) -> lines.add(z + " " + p));
                    Files.write(Path.of(words[1]), lines, StandardCharsets.UTF_8);
                    out.println("@DUMPED " + ports.size());
                }
                case "QUIT" -> {
                    if (side != null) {
                        side.stop();
                    }
                    client.close();
                    out.println("@BYE");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown command " + line);
            }
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
