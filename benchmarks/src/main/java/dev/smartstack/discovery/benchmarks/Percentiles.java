package dev.smartstack.discovery.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Nearest-rank percentiles of measured values, for the harnesses' tables. */
final class Percentiles {
    private Percentiles() {
    }

    /** The {@code p}-th percentile (nearest rank) of {@code values}, or -1 when there are none. */
    static long of(List<Long> values, double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(idx, sorted.size() - 1)));
    }
}
