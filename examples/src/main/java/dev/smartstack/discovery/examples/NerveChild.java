package dev.smartstack.discovery.examples;

import dev.smartstack.discovery.core.ZooKeeperSettings;
import dev.smartstack.discovery.nerve.HealthChecks;
import dev.smartstack.discovery.nerve.NerveListener;
import dev.smartstack.discovery.nerve.NerveService;
import dev.smartstack.discovery.smartstack.SmartStack;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of a tour node's Nerve in its own JVM, as Ruby Nerve runs beside the service:
 * registers one {@code service_a} instance while its HTTP {@code /health} check passes. The tour
 * kills it with {@code kill -9}. It halts when the tour's JVM goes away.
 *
 * <p>Arguments: {@code connectString sessionTimeoutMillis zkPath instanceId port}.
 */
public final class NerveChild {
    private NerveChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 5) {
            System.err.println("usage: NerveChild connectString sessionTimeoutMillis zkPath instanceId port");
            System.exit(2);
        }
        long parent = Long.getLong(ChildJvm.PARENT_PID, -1L);
        ProcessHandle.of(parent).ifPresentOrElse(
                handle -> handle.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
                () -> Runtime.getRuntime().halt(3));
        int port = Integer.parseInt(args[4]);
        SmartStack stack = SmartStack.builder()
                .zooKeeper(ZooKeeperSettings.builder().connectString(args[0])
                        .sessionTimeout(Duration.ofMillis(Long.parseLong(args[1]))).build())
                .register(NerveService.builder()
                        .name("service_a").instanceId(args[3]).host("127.0.0.1").port(port)
                        .zkPath(args[2])
                        .check(HealthChecks.http().host("127.0.0.1").port(port).uri("/health")
                                .timeout(Duration.ofSeconds(1)).build())
                        .checkInterval(Tour.CHECK_INTERVAL).rise(Tour.RISE).fall(Tour.FALL)
                        .build())
                .nerveListener(new NerveListener() {
                    @Override
                    public void registered(String service, String path) {
                        System.out.println("registered " + service + " at " + path);
                    }

                    @Override
                    public void deregistered(String service, String path) {
                        System.out.println("deregistered " + service + " at " + path);
                    }
                })
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "nerve-child-shutdown"));
        new CountDownLatch(1).await();
    }
}
