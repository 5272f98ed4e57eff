package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.HealthResult;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveReporter;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.testing.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registering with Nerve from inside an application: an in-process {@code HealthCheck} reports the
 * application's own readiness, with no HTTP poll. The service is registered once it is ready and
 * deregistered when it closes.
 *
 * <p>Run with no argument to use an embedded ZooKeeper, or with a connect string.
 */
public final class NerveExample {
    private NerveExample() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (EmbeddedZooKeeper embedded = args.length == 0 ? EmbeddedZooKeeper.create().start() : null) {
            String zooKeeper = args.length == 0 ? embedded.connectString() : args[0];
            CountDownLatch registered = new CountDownLatch(1);
            // tag::nerve[]
            AtomicBoolean ready = new AtomicBoolean();   // set by the application once it can serve
            NerveReporter nerve = NerveReporter.builder()
                    .zooKeeper(ZooKeeperSettings.of(zooKeeper))
                    .service(NerveService.builder()
                            .name("orders").instanceId("orders-1").host("127.0.0.1").port(8080)
                            .zkPath("/nerve/services/orders/services")
                            .check(() -> ready.get() ? HealthResult.ok() : HealthResult.unhealthy("warming up"))
                            .rise(2).fall(2)
                            .build())
                    .listener(new NerveListener() {
                        @Override
                        public void registered(String service, String path) {
                            System.out.println(service + " registered at " + path);
                            registered.countDown();
                        }
                    })
                    .drainDelay(Duration.ofMillis(200))   // on close: deregister, then wait for callers to notice
                    .build()
                    .start();
            ready.set(true);
            // ... serve; at shutdown:
            // end::nerve[]
            boolean ok = registered.await(10, TimeUnit.SECONDS);
            nerve.close();
            System.out.println(ok ? "orders deregistered on close" : "orders was not registered within 10 s");
        }
    }
}
