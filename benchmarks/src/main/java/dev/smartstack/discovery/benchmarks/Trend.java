package dev.smartstack.discovery.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * Whether a resource sampled over a soak grows: the least-squares line through the last half of
 * the samples (at least three; the start-up has settled by then), set against the noise, the
 * standard deviation of those samples around the line. It grows when the line's rise over that
 * half exceeds both twice the noise and 2% of the half's mean. A value that wobbles but comes back
 * is flat; one that keeps climbing by more than it wobbles grows.
 */
final class Trend {
    static final int MIN_SAMPLES = 3;

    /** One sample: minutes since the churn started, and the value. */
    record Point(double minute, double value) {
    }

    /** The judgement: the slope per minute over the last half, the rise over it, and the noise. */
    record Verdict(boolean grows, double slopePerMinute, double rise, double noise, int samples) {
        String describe(String unit, double scale) {
            if (samples < MIN_SAMPLES) {
                return "too few samples to judge (" + samples + ")";
            }
            return String.format(Locale.ROOT, "%s (last-half slope %+.2f %s/min, rise %+.2f %s vs noise %.2f %s; %d samples)",
                    grows ? "GROWS" : "flat", slopePerMinute / scale, unit, rise / scale, unit, noise / scale, unit,
                    samples);
        }
    }

    private Trend() {
    }

    static Verdict of(List<Point> points) {
        int n = points.size();
        if (n < MIN_SAMPLES) {
            return new Verdict(false, Double.NaN, Double.NaN, Double.NaN, n);
        }
        List<Point> half = points.subList(Math.min(n / 2, n - MIN_SAMPLES), n);
        double mx = half.stream().mapToDouble(Point::minute).average().orElseThrow();
        double my = half.stream().mapToDouble(Point::value).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (Point p : half) {
            sxy += (p.minute() - mx) * (p.value() - my);
            sxx += (p.minute() - mx) * (p.minute() - mx);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double ssr = 0;
        for (Point p : half) {
            double r = p.value() - (my + slope * (p.minute() - mx));
            ssr += r * r;
        }
        double noise = Math.sqrt(ssr / half.size());
        double rise = slope * (half.get(half.size() - 1).minute() - half.get(0).minute());
        boolean grows = rise > 2 * noise && rise > 0.02 * Math.abs(my);
        return new Verdict(grows, slope, rise, noise, n);
    }
}
