package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.smartstack.SmartStack;
import dev.smartstack.discovery.testing.EmbeddedZooKeeper;
import java.time.Duration;

/**
 * The README's start-up: one {@link SmartStack} registers this application ({@code web}) while its
 * {@code /health} passes, and discovers the service it calls ({@code payments}).
 *
 * <p>Run with no argument to use an embedded ZooKeeper, or with a connect string.
 */
public final class SmartStackExample {
    private SmartStackExample() {
    }

    @SuppressWarnings("try") // the backends and registrations only need to live as long as the example
    public static void main(String[] args) {
        try (EmbeddedZooKeeper embedded = args.length == 0 ? EmbeddedZooKeeper.create().start() : null;
                ServiceNode web = ServiceNode.start("web-1");
                ServiceNode paymentsBackend = ServiceNode.start("payments-1");
                SmartStack payments = PaymentsRegistration.start(args.length == 0 ? embedded.connectString() : args[0],
                        paymentsBackend)) {
            String zooKeeper = args.length == 0 ? embedded.connectString() : args[0];
            int port = web.port();
            // tag::smartstack[]
            try (SmartStack stack = SmartStack.builder()
                    .zooKeeper(zooKeeper)
                    .register(NerveService.builder()
                            .name("web").instanceId("web-1").host("127.0.0.1").port(port)
                            .zkPath("/nerve/services/web/services")
                            .check(HealthChecks.http("127.0.0.1", port, "/health"))
                            .build())
                    .discover("payments", "/nerve/services/payments/services")
                    .build()
                    .start()) {
                stack.awaitReady(Duration.ofSeconds(10));
                ServiceInstance target = stack.provider("payments").next();
                // call target.host():target.port() ...
                // end::smartstack[]
                System.out.println("web calls payments at " + target.address() + ": "
                        + Http.get(target.port(), "/").body());
            }
        }
    }

    /** Registers a {@code payments} backend, as its own SmartStack would. */
    static final class PaymentsRegistration {
        private PaymentsRegistration() {
        }

        static SmartStack start(String zooKeeper, ServiceNode backend) {
            SmartStack s = SmartStack.builder()
                    .zooKeeper(zooKeeper)
                    .register(NerveService.builder()
                            .name("payments").instanceId(backend.name()).host("127.0.0.1").port(backend.port())
                            .zkPath("/nerve/services/payments/services")
                            .build())
                    .build()
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!s.nerve().orElseThrow().isRegistered("payments") && System.nanoTime() - deadline < 0) {
                Console.pause(20);
            }
            return s;
        }
    }
}
