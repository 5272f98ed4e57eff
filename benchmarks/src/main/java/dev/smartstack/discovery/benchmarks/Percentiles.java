package dev.smartstack.discovery.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles of measured samples, for the harnesses' tables. */
final class Percentiles {
    private Percentiles() {
    }

    /** The p-th percentile by nearest rank; p = 100 is the max. -1 when there are no samples. */
    static long of(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(idx, sorted.size() - 1)));
    }
}
