package dev.smartstack.discovery.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Matches the writer's changes ({@code writes.log}) with the watcher's view of them
 * ({@code seen.log}) by key, reading both files as they grow. Each {@link #drain()} returns what
 * was matched since the last one: the latencies (writer's clock before its request to the
 * watcher's after its {@code FileOutput} wrote; one machine, one clock), the changes by kind, and
 * the writes the watcher never showed within {@link #GIVE_UP_MICROS} (a change superseded before
 * the watcher published, or a lost one). Unmatched entries are dropped after that time, so its
 * memory stays bounded however long the soak runs.
 */
final class SoakLatency {
    static final long GIVE_UP_MICROS = 60_000_000L;

    /** What one interval saw. */
    record Interval(List<Long> latenciesMicros, int joins, int leaves, int dataChanges, int notSeen) {
        int changes() {
            return joins + leaves + dataChanges;
        }
    }

    private final Tail writes;
    private final Tail seen;
    private final Map<String, Long> pendingWrites = new HashMap<>();
    private final Map<String, Long> seenFirst = new HashMap<>();

    SoakLatency(Path dir) {
        this.writes = new Tail(dir.resolve("writes.log"));
        this.seen = new Tail(dir.resolve("seen.log"));
    }

    Interval drain() {
        List<Long> latencies = new ArrayList<>();
        int[] kinds = new int[3];
        writes.read(line -> {
            String[] f = line.split(" ");
            long at = Long.parseLong(f[0]);
            switch (f[1]) {
                case "join" -> kinds[0]++;
                case "leave" -> kinds[1]++;
                default -> kinds[2]++;
            }
            Long seenAt = seenFirst.remove(f[2]);
            if (seenAt != null) {
                latencies.add(seenAt - at);
            } else {
                pendingWrites.put(f[2], at);
            }
        });
        long newest = Long.MIN_VALUE;
        List<String[]> seenLines = new ArrayList<>();
        seen.read(line -> seenLines.add(line.split(" ")));
        for (String[] f : seenLines) {
            long at = Long.parseLong(f[0]);
            newest = Math.max(newest, at);
            Long wroteAt = pendingWrites.remove(f[1]);
            if (wroteAt != null) {
                latencies.add(at - wroteAt);
            } else {
                seenFirst.putIfAbsent(f[1], at);
            }
        }
        long cutoff = SoakRecorder.nowMicros() - GIVE_UP_MICROS;
        int notSeen = dropOlder(pendingWrites, cutoff);
        dropOlder(seenFirst, cutoff);
        return new Interval(latencies, kinds[0], kinds[1], kinds[2], notSeen);
    }

    private static int dropOlder(Map<String, Long> map, long cutoff) {
        int dropped = 0;
        for (Iterator<Long> it = map.values().iterator(); it.hasNext(); ) {
            if (it.next() < cutoff) {
                it.remove();
                dropped++;
            }
        }
        return dropped;
    }

    /** The complete lines appended to a file since the last read (a partial last line waits). */
    private static final class Tail {
        private final Path file;
        private long position;
        private final StringBuilder partial = new StringBuilder();

        Tail(Path file) {
            this.file = file;
        }

        void read(Consumer<String> lines) {
            if (!Files.exists(file)) {
                return;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                ch.position(position);
                int n;
                while ((n = ch.read(buf)) > 0) {
                    position += n;
                    // the lines are ASCII, so a chunk never splits a character
                    partial.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                    buf.clear();
                    int from = 0;
                    for (int nl; (nl = partial.indexOf("\n", from)) >= 0; from = nl + 1) {
                        lines.accept(partial.substring(from, nl));
                    }
                    partial.delete(0, from);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }
}
