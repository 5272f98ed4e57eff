package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.smartstack.SmartStack;
import dev.smartstack.discovery.synapse.ServiceProvider;
import dev.smartstack.discovery.testing.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Client-side load balancing without HAProxy: Synapse's watcher feeds a {@link ServiceProvider},
 * which picks an instance per call (here the less busy of two picked at random) and sets aside
 * for a while an instance whose call failed.
 *
 * <p>Run with no argument to use an embedded ZooKeeper, or with a connect string.
 */
public final class ProviderExample {
    private ProviderExample() {
    }

    @SuppressWarnings("try") // the backends and registrations only need to live as long as the example
    public static void main(String[] args) {
        try (EmbeddedZooKeeper embedded = args.length == 0 ? EmbeddedZooKeeper.create().start() : null;
                ServiceNode a = ServiceNode.start("payments-1");
                ServiceNode b = ServiceNode.start("payments-2");
                SmartStack ra = SmartStackExample.PaymentsRegistration.start(
                        args.length == 0 ? embedded.connectString() : args[0], a);
                SmartStack rb = SmartStackExample.PaymentsRegistration.start(
                        args.length == 0 ? embedded.connectString() : args[0], b)) {
            String zooKeeper = args.length == 0 ? embedded.connectString() : args[0];
            Map<String, Integer> answers = new TreeMap<>();
            // tag::provider[]
            try (SmartStack stack = SmartStack.builder()
                    .zooKeeper(zooKeeper)
                    .discover("payments", "/nerve/services/payments/services")
                    .providerStrategy(ServiceProvider.Strategy.POWER_OF_TWO_CHOICES)
                    .build()
                    .start()) {
                stack.awaitReady(Duration.ofSeconds(10));
                ServiceProvider payments = stack.provider("payments");
                for (int i = 0; i < 10; i++) {
                    try (ServiceProvider.Lease lease = payments.acquire()) {   // one call in flight
                        ServiceInstance target = lease.instance();
                        Http.Reply reply = Http.get(target.port(), "/");   // your call to target.address()
                        if (!reply.ok()) {
                            payments.noteError(target);                    // set it aside for a while
                        }
                        // end::provider[]
                        answers.merge(reply.body(), 1, Integer::sum);
                        // tag::provider[]
                    }
                }
            }
            // end::provider[]
            System.out.println("10 calls answered by " + answers);
        }
    }
}
