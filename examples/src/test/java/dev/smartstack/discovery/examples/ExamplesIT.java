package dev.smartstack.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs each embedding example's main against its embedded ZooKeeper and checks what it printed. */
@Timeout(120)
class ExamplesIT {

    @Test
    void smartStackExample_embedded_callsPayments() {
        assertThat(run(() -> SmartStackExample.main(new String[0])))
                .containsPattern("web calls payments at 127\\.0\\.0\\.1:\\d+: payments-1");
    }

    @Test
    void nerveExample_embedded_registersAndDeregisters() {
        assertThat(run(() -> {
            try {
                NerveExample.main(new String[0]);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        })).contains("orders registered at /nerve/services/orders/services/orders-1_0000000000")
                .contains("orders deregistered on close");
    }

    @Test
    void providerExample_embedded_balancesTenCalls() {
        assertThat(run(() -> ProviderExample.main(new String[0])))
                .containsPattern("10 calls answered by \\{payments-\\d=\\d+(, payments-\\d=\\d+)?\\}");
    }

    @Test
    void synapseHaproxyExample_embedded_answersThroughHaproxy() {
        String out = run(() -> {
            try {
                SynapseHaproxyExample.main(new String[0]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (HaproxyFronts.binary().isPresent()) {
            assertThat(out).containsPattern("through HAProxy on 127\\.0\\.0\\.1:\\d+: payments-1");
        } else {
            assertThat(out).contains("HAProxy is not installed: sudo apt-get install haproxy");
        }
    }

    /** Runs {@code main} with System.out captured; examples print only a line or two. */
    private static synchronized String run(Runnable main) {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        original.println(out + "(" + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms)");
        return out;
    }
}
