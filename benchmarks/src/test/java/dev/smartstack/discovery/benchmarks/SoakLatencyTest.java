package dev.smartstack.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakLatencyTest {
    @TempDir
    Path dir;

    private void append(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    @Test
    void drain_matchesEachKeyWhicheverFileHasItFirst() throws IOException {
        long now = SoakRecorder.nowMicros();
        SoakLatency latency = new SoakLatency(dir);
        append("writes.log", now + " join c1\n" + (now + 10) + " leave gone:s1/b2_0\n");
        append("seen.log", (now + 1_000) + " c1\n" + (now + 5_000) + " c2\n");
        SoakLatency.Interval first = latency.drain();
        assertThat(first.latenciesMicros()).containsExactly(1_000L);
        assertThat(first.joins()).isEqualTo(1);
        assertThat(first.leaves()).isEqualTo(1);

        // the watcher showed c2 before the writer's line for it was read; the leave arrives later
        append("writes.log", (now + 20) + " change c2\n");
        append("seen.log", (now + 3_010) + " gone:s1/b2_0\n");
        SoakLatency.Interval second = latency.drain();
        assertThat(second.latenciesMicros()).containsExactlyInAnyOrder(4_980L, 3_000L);
        assertThat(second.dataChanges()).isEqualTo(1);
        assertThat(second.notSeen()).isZero();
    }

    @Test
    void drain_partialLine_waitsForItsEnd() throws IOException {
        long now = SoakRecorder.nowMicros();
        SoakLatency latency = new SoakLatency(dir);
        append("writes.log", now + " join c7\n" + now + " jo");
        append("seen.log", (now + 2_000) + " c7\n");
        assertThat(latency.drain().changes()).isEqualTo(1);
        append("writes.log", "in c8\n");
        append("seen.log", (now + 4_000) + " c8\n");
        SoakLatency.Interval next = latency.drain();
        assertThat(next.joins()).isEqualTo(1);
        assertThat(next.latenciesMicros()).containsExactly(4_000L);
    }

    @Test
    void drain_writeNeverShownForAMinute_countsAsNotSeenOnce() throws IOException {
        long old = SoakRecorder.nowMicros() - SoakLatency.GIVE_UP_MICROS - 1_000_000;
        SoakLatency latency = new SoakLatency(dir);
        append("writes.log", old + " join c3\n");
        assertThat(latency.drain().notSeen()).isEqualTo(1);
        append("seen.log", (old + 1_000) + " c3\n");
        SoakLatency.Interval later = latency.drain();
        assertThat(later.notSeen()).isZero();
        assertThat(later.latenciesMicros()).isEmpty();
    }
}
