package dev.smartstack.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendTest {
    private static List<Trend.Point> series(double... values) {
        List<Trend.Point> points = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            points.add(new Trend.Point(i, values[i]));
        }
        return points;
    }

    @Test
    void of_steadyClimb_grows() {
        assertThat(Trend.of(series(100, 101, 102, 103, 104, 105, 106, 107)).grows()).isTrue();
    }

    @Test
    void of_climbWithWobble_grows() {
        assertThat(Trend.of(series(100, 104, 103, 108, 107, 112, 111, 116, 115, 120)).grows()).isTrue();
    }

    @Test
    void of_wobbleAroundALevel_isFlat() {
        assertThat(Trend.of(series(100, 104, 98, 103, 99, 102, 97, 104, 99, 101)).grows()).isFalse();
    }

    @Test
    void of_startUpRiseThenLevel_isFlat() {
        assertThat(Trend.of(series(40, 80, 95, 100, 100, 101, 100, 100)).grows()).isFalse();
    }

    @Test
    void of_tinyDriftUnderTwoPercent_isFlat() {
        assertThat(Trend.of(series(1000, 1000, 1001, 1002, 1003, 1004)).grows()).isFalse();
    }

    @Test
    void of_fewerThanThreeSamples_cannotJudge() {
        Trend.Verdict v = Trend.of(series(1, 50));
        assertThat(v.grows()).isFalse();
        assertThat(v.describe("MB", 1)).isEqualTo("too few samples to judge (2)");
    }
}
