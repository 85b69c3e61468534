package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import io.swarmingress.config.HostPort;

/** {@code lb: p2c} and its peak EWMA, on a clock moved by hand and a seeded random generator. */
class PowerOfTwoChoicesTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Endpoint(new HostPort("127.0.0.1", 9000 + i)));
        }
        return list;
    }

    private static PowerOfTwoChoices p2c(List<Endpoint> eps, int... weights) {
        if (weights.length == 0) {
            weights = new int[eps.size()];
            java.util.Arrays.fill(weights, 1);
        }
        return new PowerOfTwoChoices(eps.toArray(new Endpoint[0]), weights, new SplittableRandom(42));
    }

    private static Map<Endpoint, Integer> picks(PowerOfTwoChoices lb, long now, int n) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(lb.pick(now, null, 0), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void aSlowResponseRaisesTheEstimateAtOnceAndFastOnesLowerItOnlyAsTimePasses() {
        PeakEwma ewma = new PeakEwma();
        long t = 1_000 * S;
        ewma.observe(1 * MS, t);
        ewma.observe(50 * MS, t + MS);
        assertThat(ewma.estimate(t + MS)).as("the peak, at once").isEqualTo(50.0 * MS);
        for (int i = 0; i < 1000; i++) {
            ewma.observe(1 * MS, t + MS + i * 1000);
        }
        assertThat(ewma.estimate(t + 2 * MS)).as("a thousand fast answers within a millisecond barely count: decay is by time")
                .isGreaterThan(49.0 * MS);
        long tenSeconds = t + 2 * MS + PeakEwma.DECAY_NANOS;
        ewma.observe(1 * MS, tenSeconds);
        // after one time constant the old peak weighs 1/e
        assertThat(ewma.estimate(tenSeconds)).isCloseTo(MS + 49.0 * MS / Math.E, Offset.offset(0.2 * MS));
        assertThat(ewma.estimate(tenSeconds + 3 * PeakEwma.DECAY_NANOS)).as("unobserved, it fades toward 0")
                .isLessThan(ewma.estimate(tenSeconds) / 19);
    }

    @Test
    void theSlowEndpointGetsNothingWhileTheOthersAnswerFastAndIsTriedAgainOnceItsPeakHasFaded() {
        List<Endpoint> eps = endpoints(3);
        PowerOfTwoChoices lb = p2c(eps);
        long t = 1_000 * S;
        eps.get(0).observeLatency(MS, t);
        eps.get(1).observeLatency(MS, t);
        eps.get(2).observeLatency(50 * MS, t);
        assertThat(picks(lb, t, 300)).doesNotContainKey(eps.get(2)).containsKeys(eps.get(0), eps.get(1));
        // 40 s on, the fast ones still answer in 1 ms; the slow one's 50 ms has faded below that.
        long later = t + 40 * S;
        eps.get(0).observeLatency(MS, later);
        eps.get(1).observeLatency(MS, later);
        assertThat(picks(lb, later, 300)).as("probed again, without ever being ejected").containsKey(eps.get(2));
    }

    @Test
    void loadCountsAsMuchAsLatency() {
        List<Endpoint> eps = endpoints(2);
        PowerOfTwoChoices lb = p2c(eps);
        long t = 1_000 * S;
        eps.get(0).observeLatency(MS, t);
        eps.get(1).observeLatency(3 * MS, t);
        assertThat(lb.pick(t, null, 0)).isSameAs(eps.get(0));
        // 1 ms x (1 + 3 in flight) = 4 ms is more than 3 ms x 1
        for (int i = 0; i < 3; i++) {
            eps.get(0).acquire();
        }
        assertThat(lb.pick(t, null, 0)).isSameAs(eps.get(1));
    }

    @Test
    void anEndpointNotYetHeardFromIsTriedWhileIdleAndAvoidedOnceARequestIsInFlightToIt() {
        List<Endpoint> eps = endpoints(2);
        PowerOfTwoChoices lb = p2c(eps);
        long t = 1_000 * S;
        eps.get(0).observeLatency(MS, t);
        assertThat(lb.pick(t, null, 0)).as("new and idle: costs nothing").isSameAs(eps.get(1));
        eps.get(1).acquire();
        assertThat(lb.pick(t, null, 0)).as("no burst before its first answer").isSameAs(eps.get(0));
    }

    @Test
    void weightsDecideTheDrawAndScaleTheLoad() {
        List<Endpoint> eps = endpoints(3);
        PowerOfTwoChoices lb = p2c(eps, 1, 1, 2);
        // All idle at the same latency: the first drawn wins a tie, and draws follow the weights.
        long t = 1_000 * S;
        eps.forEach(e -> e.observeLatency(MS, t));
        Map<Endpoint, Integer> counts = picks(lb, t, 8000);
        assertThat(counts.get(eps.get(2)) / 8000.0).isCloseTo(0.5, Offset.offset(0.03));
        assertThat(counts.get(eps.get(0)) / 8000.0).isCloseTo(0.25, Offset.offset(0.03));
        // At equal latency, 4 in flight on weight 2 cost the same as 2 on weight 1, and 5 cost more.
        List<Endpoint> two = endpoints(2);
        PowerOfTwoChoices pair = p2c(two, 1, 2);
        two.forEach(e -> e.observeLatency(MS, t));
        for (int i = 0; i < 2; i++) {
            two.get(0).acquire();
        }
        for (int i = 0; i < 5; i++) {
            two.get(1).acquire();
        }
        assertThat(pair.cost(0, t)).isLessThan(pair.cost(1, t));
        two.get(1).release();
        assertThat(pair.cost(0, t)).isEqualTo(pair.cost(1, t));
    }
}
