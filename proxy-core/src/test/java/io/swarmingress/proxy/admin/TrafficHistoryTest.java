package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.metrics.MeterReadings.Histogram;
import io.swarmingress.proxy.metrics.MeterReadings.ServiceTraffic;

/** The charts' ring, fed with hand-made cumulative readings at hand-made times (no clock, no sleep). */
class TrafficHistoryTest {
    private static final double[] BOUNDS = {0.001, 0.01, 0.1, 1.0};

    /** Cumulative counts: {@code le} per bound, and requests slower than the last bound on top. */
    private static ServiceTraffic traffic(long requests, long errors, long... le) {
        return new ServiceTraffic(requests, errors, new Histogram(BOUNDS, le, requests));
    }

    @Test
    void theFirstReadingIsTheBaselineAndEachNextOneAnInterval() {
        TrafficHistory h = new TrafficHistory(10);
        h.sample(1_000, Map.of("web", traffic(100, 0, 0, 100, 100, 100)), Set.of("web"));
        assertThat(h.timesSince(0)).isEmpty();
        assertThat(h.latest()).isEmpty();

        // 2 s later: 400 more requests, 40 of them 5xx; 396 within 10 ms, 4 up to 100 ms
        h.sample(3_000, Map.of("web", traffic(500, 40, 0, 496, 500, 500)), Set.of("web"));
        TrafficHistory.Point p = h.latest().get("web");
        assertThat(p.atMillis()).isEqualTo(3_000);
        assertThat(p.requestsPerSecond()).isEqualTo(200.0);
        assertThat(p.errorRate()).isEqualTo(0.1);
        // rank 0.99 * 400 = 396 falls at the top of the (1 ms, 10 ms] bucket
        assertThat(p.p99Seconds()).isCloseTo(0.01, within(1e-9));
    }

    @Test
    void p99IsInterpolatedInsideItsBucketAsPrometheusDoes() {
        TrafficHistory h = new TrafficHistory(10);
        h.sample(0, Map.of("web", traffic(0, 0, 0, 0, 0, 0)), Set.of("web"));
        // 100 requests: 50 up to 10 ms, 50 in (10 ms, 100 ms]; rank 99 is 49/50 into that bucket
        h.sample(1_000, Map.of("web", traffic(100, 0, 0, 50, 100, 100)), Set.of("web"));
        assertThat(h.latest().get("web").p99Seconds()).isCloseTo(0.01 + 0.09 * 49 / 50, within(1e-9));
    }

    @Test
    void anIntervalWithoutRequestsHasARateOfZeroAndNoErrorRateOrLatency() {
        TrafficHistory h = new TrafficHistory(10);
        h.sample(0, Map.of("web", traffic(5, 1, 0, 5, 5, 5)), Set.of("web"));
        h.sample(1_000, Map.of("web", traffic(5, 1, 0, 5, 5, 5)), Set.of("web"));
        TrafficHistory.Point p = h.latest().get("web");
        assertThat(p.requestsPerSecond()).isZero();
        assertThat(p.errorRate()).isNaN();
        assertThat(p.p99Seconds()).isNaN();
    }

    @Test
    void theRingKeepsTheLastPointsOnly() {
        TrafficHistory h = new TrafficHistory(3);
        for (int i = 0; i <= 5; i++) {
            h.sample(i * 1_000L, Map.of("web", traffic(10L * i * i, 0, 0, 10L * i * i, 10L * i * i, 10L * i * i)), Set.of("web"));
        }
        assertThat(h.timesSince(Long.MIN_VALUE)).containsExactly(3_000L, 4_000L, 5_000L);
        List<TrafficHistory.Point> points = h.since(Long.MIN_VALUE).get("web");
        // 10*i^2 cumulative: 50, 70 and 90 requests in the last three seconds
        assertThat(points).extracting(TrafficHistory.Point::requestsPerSecond).containsExactly(50.0, 70.0, 90.0);
        assertThat(h.since(4_000).get("web")).extracting(TrafficHistory.Point::atMillis).containsExactly(5_000L);
    }

    @Test
    void aServiceThatLeavesTheTableLeavesTheHistory() {
        TrafficHistory h = new TrafficHistory(10);
        Map<String, ServiceTraffic> both = new HashMap<>(Map.of("web", traffic(0, 0, 0, 0, 0, 0), "old", traffic(0, 0, 0, 0, 0, 0)));
        h.sample(0, both, Set.of("web", "old"));
        h.sample(1_000, both, Set.of("web", "old"));
        assertThat(h.since(Long.MIN_VALUE)).containsOnlyKeys("web", "old");
        // Meters are never removed, so "old" still has readings; the table no longer has it.
        h.sample(2_000, both, Set.of("web"));
        assertThat(h.since(Long.MIN_VALUE)).containsOnlyKeys("web");
    }

    @Test
    void aServiceWhoseMetersAppearedBetweenTwoReadingsCountsFromZero() {
        TrafficHistory h = new TrafficHistory(10);
        h.sample(0, Map.of(), Set.of("new"));
        h.sample(1_000, Map.of("new", traffic(30, 3, 0, 30, 30, 30)), Set.of("new"));
        assertThat(h.latest().get("new").requestsPerSecond()).isEqualTo(30.0);
        assertThat(h.latest().get("new").errorRate()).isEqualTo(0.1);
    }

    @Test
    void aTimeThatDoesNotMoveForwardAddsNoPoint() {
        TrafficHistory h = new TrafficHistory(10);
        h.sample(5_000, Map.of("web", traffic(0, 0, 0, 0, 0, 0)), Set.of("web"));
        h.sample(5_000, Map.of("web", traffic(10, 0, 0, 10, 10, 10)), Set.of("web"));
        h.sample(4_000, Map.of("web", traffic(20, 0, 0, 20, 20, 20)), Set.of("web"));
        assertThat(h.timesSince(Long.MIN_VALUE)).isEmpty();
        assertThatThrownBy(() -> new TrafficHistory(1)).hasMessageContaining("expected: >= 2");
    }
}
