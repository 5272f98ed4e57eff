package dev.smartstack.discovery.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/** Leader lookup shared by the three ensemble fixtures, which differ only in how a member's mode is read. */
final class Leaders {
    private Leaders() {
    }

    /** The index of the member whose mode is {@code leader}, if exactly one is. */
    static Optional<Integer> find(int size, IntFunction<Optional<String>> mode) {
        Integer found = null;
        for (int i = 0; i < size; i++) {
            if (mode.apply(i).filter("leader"::equals).isPresent()) {
                if (found != null) {
                    return Optional.empty();
                }
                found = i;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Polls {@code leader} every {@code pauseMillis} until it answers.
     *
     * @throws IllegalStateException naming {@code ensemble} when no leader is elected in time
     */
    static void await(Supplier<Optional<Integer>> leader, Duration timeout, long pauseMillis, Supplier<String> ensemble) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (leader.get().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(ensemble.get() + " elected no leader within " + timeout);
            }
            FourLetterWords.pause(pauseMillis);
        }
    }
}
