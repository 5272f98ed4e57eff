package dev.smartstack.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link WatchRace} in its smoke mode (a real ZooKeeper JVM, both watchers in their own JVMs,
 * N = 10, 20 changes of each kind) so that the harness cannot rot. It asserts that the run
 * completes and reports counts for both sides; it never asserts a time.
 */
class WatchRaceSmokeIT {
    private static final List<String> ROWS = List.of("10|ServiceCache (curator)", "10|SynapseWatcher (curator)",
            "10|SynapseWatcher (nerve)", "10|SynapseWatcher (nerve, path-encoded)");
    /**
     * The usual requests per join, data change and leave of each row, counted on the wire: Curator's
     * CuratorCache reads a new node's data and lists its children; our watch core reads only the data,
     * and nothing for a path-encoded name (a path-encoded data change is a new name: no read either).
     */
    private static final Map<String, List<Long>> USUAL_REQUESTS = Map.of(
            "10|ServiceCache (curator)", List.of(2L, 1L, 0L),
            "10|SynapseWatcher (curator)", List.of(1L, 1L, 0L),
            "10|SynapseWatcher (nerve)", List.of(1L, 1L, 0L),
            "10|SynapseWatcher (nerve, path-encoded)", List.of(0L, 0L, 0L));

    @Test
    void smoke_bothWatchers_reportCountsForEveryChangeAndTheTables() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Map<String, RoundResult> results;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            results = WatchRace.run(WatchRace.Options.parse("--smoke"), out, "WatchRaceSmokeIT");
        }
        String report = buffer.toString(StandardCharsets.UTF_8);

        assertThat(results).containsOnlyKeys(ROWS);
        for (String row : ROWS) {
            RoundResult r = results.get(row);
            assertThat(r.initialSize).as(row + " initial view").isEqualTo(10);
            assertThat(r.join.size() + r.data.size() + r.leave.size() + r.lost).as(row + " changes").isEqualTo(60);
            assertThat(r.joinRequests).as(row + " requests per join").hasSize(20);
            assertThat(r.dataRequests).as(row + " requests per data change").hasSize(20);
            assertThat(r.leaveRequests).as(row + " requests per leave").hasSize(20);
            // The most common count, so that a rare reconnect on a loaded machine (a resync's reads
            // counted in one change's window) cannot fail the smoke; the counts themselves are exact.
            assertThat(List.of(mode(r.joinRequests), mode(r.dataRequests), mode(r.leaveRequests)))
                    .as(row + " usual requests per join, data change, leave").isEqualTo(USUAL_REQUESTS.get(row));
            assertThat(r.coldRequests).as(row + " cold-start requests").hasSize(1).allMatch(n -> n >= 1);
            assertThat(r.drops).as(row + " drops").hasSize(1);
            assertThat(r.expiries).as(row + " expiries").hasSize(1);
            assertThat(r.cpuPerChange).as(row + " CPU").hasSize(1).allMatch(n -> n > 0);
            assertThat(r.heapWithView).as(row + " heap").hasSize(1).allMatch(n -> n > 0);
            assertThat(r.checks).as(row + " server-side checks").isNotEmpty();
            assertThat(r.clockChecked).as(row + " clock check").isTrue();
            assertThat(report).contains("| 10 | " + row.substring(3) + " |");
        }
        assertThat(report).contains("| existing instances | watcher | join | data change | leave |",
                "| existing instances | watcher | per join | per data change | per leave |",
                "connection drop: consistent after", "retained by the view, MB", "Command: `WatchRaceSmokeIT`",
                "Machine: ");
    }

    private static long mode(List<Long> counts) {
        Map<Long, Long> byCount = counts.stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        return byCount.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    @Test
    void options_badSize_namesTheValue() {
        assertThatThrownBy(() -> WatchRace.Options.parse("--sizes", "10,x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--sizes must be positive integers but was x");
        assertThatThrownBy(() -> WatchRace.Options.parse("--changes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--changes needs a value");
    }
}
