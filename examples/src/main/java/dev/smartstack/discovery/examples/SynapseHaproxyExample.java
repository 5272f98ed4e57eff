package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.haproxy.HaproxyOutput;
import dev.smartstack.discovery.haproxy.HaproxyReload;
import dev.smartstack.discovery.haproxy.HaproxyService;
import dev.smartstack.discovery.smartstack.SmartStack;
import dev.smartstack.discovery.synapse.SynapseWatcher;
import dev.smartstack.discovery.synapse.WatchedService;
import dev.smartstack.discovery.testing.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Watching a service with Synapse and a local HAProxy that the output runs itself: the
 * application calls {@code 127.0.0.1:<port>} and HAProxy balances over the registered backends.
 * Joins and leaves go through HAProxy's runtime API, without a reload.
 *
 * <p>Needs HAProxy ({@code sudo apt-get install haproxy}). Run with no argument to use an embedded
 * ZooKeeper, or with a connect string.
 */
public final class SynapseHaproxyExample {
    private SynapseHaproxyExample() {
    }

    @SuppressWarnings("try") // the backends and registrations only need to live as long as the example
    public static void main(String[] args) throws java.io.IOException {
        String haproxy = HaproxyFronts.binary().orElse(null);
        if (haproxy == null) {
            System.out.println("HAProxy is not installed: sudo apt-get install haproxy");
            return;
        }
        Path dir = Files.createTempDirectory("smartstack-example-haproxy-");
        int port = HaproxyFronts.freePort();
        try (EmbeddedZooKeeper embedded = args.length == 0 ? EmbeddedZooKeeper.create().start() : null;
                ServiceNode backend = ServiceNode.start("payments-1");
                SmartStack registration = SmartStackExample.PaymentsRegistration.start(
                        args.length == 0 ? embedded.connectString() : args[0], backend)) {
            String zooKeeper = args.length == 0 ? embedded.connectString() : args[0];
            // tag::haproxy[]
            try (HaproxyOutput haproxyOutput = HaproxyOutput.builder()
                    .reload(HaproxyReload.managed())              // run HAProxy (master-worker) ourselves
                    .haproxyPath(haproxy)
                    .configFilePath(dir.resolve("haproxy.cfg"))   // the stats socket goes next to it
                    .defaults(java.util.List.of("mode http", "timeout connect 1s", "timeout client 10s",
                            "timeout server 10s"))
                    .bindAddress("127.0.0.1")
                    .service("payments", HaproxyService.builder().port(port).build())
                    .build()
                    .start();                                     // ours to start and close, not the watcher's
                    SynapseWatcher watcher = SynapseWatcher.builder()
                    .zooKeeper(ZooKeeperSettings.of(zooKeeper))
                    .service(WatchedService.builder().name("payments").path("/nerve/services/payments/services").build())
                    .output(haproxyOutput)
                    .build()
                    .start()) {
                watcher.awaitInitialized(Duration.ofSeconds(10));
                // the application calls http://127.0.0.1:<port>/
                // end::haproxy[]
                Http.Reply reply = Http.get(port, "/");
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (!reply.ok() && System.nanoTime() - deadline < 0) {
                    Console.pause(100);
                    reply = Http.get(port, "/");
                }
                System.out.println("through HAProxy on 127.0.0.1:" + port + ": " + reply.body());
                // tag::haproxy[]
            }   // closing the watcher stops the output, which stops HAProxy
            // end::haproxy[]
        }
    }
}
