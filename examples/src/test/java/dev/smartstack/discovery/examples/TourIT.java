package dev.smartstack.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.smartstack.discovery.testing.EmbeddedZooKeeper;
import org.junit.jupiter.api.Test;

/** The project's main job, kept true at every commit: the whole tour passes. */
class TourIT {

    @Test
    void tour_embeddedEnsemble_everyStepPasses() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(bytes, System.out), true, StandardCharsets.UTF_8);

        int code = Tour.run(new String[0], out, false);

        String output = bytes.toString(StandardCharsets.UTF_8);
        String summary = output.substring(output.indexOf("== Summary"));
        assertThat(code).as(output).isZero();
        for (String step : List.of("1    simple setup", "2    a service crashes and comes back",
                "3    ZooKeeper crashes and comes back", "4    Synapse crashes and restarts",
                "5    Nerve is killed with kill -9", "6    one ZooKeeper node of three crashes and comes back",
                "7    many services across the ensemble")) {
            assertThat(summary).as(output).containsPattern("(?m)^" + java.util.regex.Pattern.quote(step) + " +PASS ");
        }
        assertThat(summary).contains("7 passed, 0 failed, 0 skipped");
    }

    @Test
    void tour_externalZooKeeper_skipsTheStepsThatCrashIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.create().start()) {
            code = Tour.run(new String[] {"--zookeeper", zk.connectString(), "--steps", "1,3,6", "--no-haproxy"},
                    new PrintStream(new TeeStream(bytes, System.out), true, StandardCharsets.UTF_8), false);
        }

        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(output).isZero();
        assertThat(output).containsPattern("(?m)^3 +ZooKeeper crashes and comes back +SKIPPED +skipped: needs a ZooKeeper the tour controls")
                .containsPattern("(?m)^6 +one ZooKeeper node of three crashes and comes back +SKIPPED ")
                .containsPattern("(?m)^1 +simple setup +PASS ")
                .contains("1 passed, 0 failed, 2 skipped");
    }

    @Test
    void tour_badArgument_exitsTwoWithUsage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        int code = Tour.run(new String[] {"--zookeeper", "no port"}, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                false);

        assertThat(code).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .startsWith("tour: --zookeeper must be embedded, testcontainers or host:port[,host:port...] but was 'no port'")
                .contains("usage: scripts/tour");
    }

    /** Copies the tour's output to the test's log as well. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
