package dev.smartstack.discovery.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One watcher under test inside a {@link WatcherMain} JVM. The subclass starts the watcher and
 * calls {@link #changed()} from the watcher's own callback thread whenever its view changed; this
 * class then tests the armed {@link Expectation} and, the first time it holds, prints
 * {@code @SEEN <System.nanoTime()>}. Printing is serialized on the output stream, so
 * {@code @ARMED} always comes before the {@code @SEEN} it leads to.
 */
abstract class RaceSide {
    private final PrintStream out;
    private final AtomicReference<Expectation> expected = new AtomicReference<>();

    RaceSide(PrintStream out) {
        this.out = out;
    }

    /** Starts the watcher and returns once it holds its initial view. */
    abstract void start() throws Exception;

    /** The current view; called on the callback thread and on the command thread. */
    abstract Expectation.View view();

    /** Every instance in the view: znode name (Curator: the id) to port. */
    abstract Map<String, Integer> ports();

    /** Stops the watcher (not the Curator client, which the caller owns). */
    abstract void stop() throws IOException;

    final void arm(Expectation e) {
        synchronized (out) {
            expected.set(e);
            out.println("@ARMED");
        }
        changed();
    }

    /** The view changed (or may have): test the armed expectation. */
    final void changed() {
        Expectation e = expected.get();
        if (e == null || !e.test(view())) {
            return;
        }
        long seen = System.nanoTime();
        synchronized (out) {
            if (expected.compareAndSet(e, null)) {
                out.println("@SEEN " + seen);
            }
        }
    }
}
