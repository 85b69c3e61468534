package io.swarmingress.proxy.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How a window's per-second counts become "worst second vs steady", and failures a summary. */
class ScenarioWindowsTest {
    /** [second, ok, failed] rows for seconds 100..119: 200 ok a second, but 50 in second 112 and none in 115. */
    private static List<long[]> seconds() {
        List<long[]> rows = new ArrayList<>();
        for (long s = 100; s < 120; s++) {
            if (s != 115) {
                rows.add(new long[] {s, s == 112 ? 50 : 200, 0});
            }
        }
        return rows;
    }

    @Test
    void theWorstSecondCountsOnlyWholeSecondsInsideTheWindowAndASecondWithNothingIsZero() {
        assertThat(ScenarioWindows.worstOk(seconds(), 111_500, 114_200)).isEqualTo(50);
        assertThat(ScenarioWindows.worstOk(seconds(), 113_000, 117_000)).as("second 115 had no answer").isZero();
        assertThat(ScenarioWindows.worstOk(seconds(), 112_500, 113_500)).as("no whole second inside").isEqualTo(-1);
    }

    @Test
    void theSteadyRateIsTheMedianOfTheTenSecondsBeforeTheWindow() {
        assertThat(ScenarioWindows.steadyOk(seconds(), 113_400)).isEqualTo(200);
    }

    @Test
    void failuresAreSummedByKindWithWhenEachKindBeganAndEnded() {
        List<String> failures = List.of("10300 status_503: HTTP 503 after 0 ms", "10500 reset: Connection reset",
                "18100 status_503: HTTP 503 after 1 ms");
        assertThat(ScenarioWindows.describeFailures(failures, 10_000)).startsWith(
                "1 x reset from +0.5 s to +0.5 s",
                "2 x status_503 from +0.3 s to +8.1 s",
                "failure 10300 status_503: HTTP 503 after 0 ms");
    }
}
