package dev.smartstack.discovery.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The tour's terminal output: step headers, labelled lines, and a progress line while it waits
 * (rewritten in place with {@code \r} only on a terminal; plain lines otherwise).
 */
final class Console {
    private static final long POLL_MILLIS = 50;

    private final PrintStream out;
    private final boolean tty;

    Console(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    void header(int step, String title) {
        out.println();
        out.println("== Step " + step + ": " + title + " " + "=".repeat(Math.max(3, 72 - title.length())));
    }

    void title(String text) {
        out.println(text);
    }

    void blank() {
        out.println();
    }

    void info(String text) {
        out.println("   " + text);
    }

    void did(String text) {
        out.println("   did:      " + text);
    }

    void expect(String text) {
        out.println("   tutorial: " + text);
    }

    void saw(String text) {
        out.println("   saw:      " + text);
    }

    void beat(String text) {
        out.println("   + better than Ruby SmartStack: " + text);
    }

    void result(boolean pass, String text) {
        out.println("   " + (pass ? "PASS" : "FAIL") + "      " + text);
    }

    void skipped(String text) {
        out.println("   skipped: " + text);
    }

    /**
     * Waits until {@code condition} holds, showing {@code label} and the time spent. Returns the
     * time it took, or null when {@code timeout} passed first.
     */
    Duration await(String label, Duration timeout, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        if (!tty) {
            out.println("   " + label + " (at most " + seconds(timeout) + ")...");
        }
        long lastShown = 0;
        while (true) {
            boolean done = condition.getAsBoolean();
            long now = System.nanoTime();
            Duration elapsed = Duration.ofNanos(now - start);
            if (tty && (done || now - lastShown > 100_000_000L)) {
                out.print("\r   " + label + "... " + seconds(elapsed) + "   ");
                out.flush();
                lastShown = now;
            }
            if (done) {
                if (tty) {
                    out.println();
                } else {
                    out.println("   ... after " + seconds(elapsed));
                }
                return elapsed;
            }
            if (now - deadline > 0) {
                if (tty) {
                    out.println();
                }
                out.println("   ... gave up after " + seconds(elapsed));
                return null;
            }
            pause(POLL_MILLIS);
        }
    }

    /** Shows a progress line for {@code duration} while {@code work} runs once per {@code every}. */
    void during(String label, Duration duration, Duration every, Runnable work) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        if (!tty) {
            out.println("   " + label + " (" + seconds(duration) + ")...");
        }
        while (System.nanoTime() - end < 0) {
            work.run();
            if (tty) {
                out.print("\r   " + label + "... " + seconds(Duration.ofNanos(System.nanoTime() - start)) + "   ");
                out.flush();
            }
            pause(every.toMillis());
        }
        if (tty) {
            out.println();
        }
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
