package dev.smartstack.discovery.benchmarks;

import dev.smartstack.discovery.core.ServiceInstance;
import dev.smartstack.discovery.synapse.ServiceSnapshot;
import dev.smartstack.discovery.synapse.SnapshotOutput;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The soak watcher's output: it hands each snapshot to its delegate (the {@code FileOutput}) and,
 * once the delegate has returned, appends one line per change it carries to
 * {@code <dir>/seen.log}: {@code <epoch µs> <key>}, where the key is the writer's
 * {@code c<change>} label for a join or a data change and {@link #goneKey} for a leave. The
 * seeded backends (label {@code seed}) are not written. One thread calls it (the output's own).
 */
final class SoakRecorder implements SnapshotOutput, AutoCloseable {
    private final SnapshotOutput delegate;
    private final BufferedWriter log;
    private final Set<String> written = new HashSet<>();
    private final CountDownLatch allWritten;

    SoakRecorder(SnapshotOutput delegate, Path dir, int services) {
        this.delegate = delegate;
        this.allWritten = new CountDownLatch(services);
        try {
            this.log = Files.newBufferedWriter(dir.resolve("seen.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until the delegate has taken a snapshot of every service. Until then a change can be
     * folded into a service's first snapshot (the output coalesces what queues behind it) and is
     * never seen as a change of its own.
     */
    boolean awaitAllWritten(Duration timeout) throws InterruptedException {
        return allWritten.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /** The key of a leave, known to both sides: the service and the znode's name. */
    static String goneKey(String service, String znodeName) {
        return "gone:" + service + "/" + znodeName;
    }

    @Override
    public void update(ServiceSnapshot snapshot) {
        delegate.update(snapshot);
        long micros = nowMicros();
        if (written.add(snapshot.service())) {
            allWritten.countDown();
        }
        try {
            for (ServiceInstance i : snapshot.added()) {
                written(micros, i);
            }
            for (ServiceInstance i : snapshot.changed()) {
                written(micros, i);
            }
            for (ServiceInstance i : snapshot.removed()) {
                log.write(micros + " " + goneKey(snapshot.service(), i.key()) + "\n");
            }
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void written(long micros, ServiceInstance i) throws IOException {
        String change = i.labels().get(SoakWriter.CHANGE_LABEL);
        if (change != null && !change.equals("seed")) {
            log.write(micros + " c" + change + "\n");
        }
    }

    /** Closes the log; the delegate is its builder's to close. */
    @Override
    public void close() {
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
