package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.OutlierPolicy;

/** Passive health on a clock moved by hand: who is ejected, for how long, and never too many. */
class OutlierDetectorTest {
    private static final long S = 1_000_000_000L;
    private final Counter ejections = new SimpleMeterRegistry().counter("ejections");

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Endpoint(new HostPort("127.0.0.1", 9000 + i)));
        }
        return list;
    }

    @Test
    void failuresInARowEjectForATimeThatDoublesOnEachRepeat() {
        List<Endpoint> eps = endpoints(4);
        OutlierDetector d = new OutlierDetector(new OutlierPolicy(2, 0, Duration.ofSeconds(5), Duration.ofSeconds(12), 50), eps, ejections);
        Endpoint e = eps.get(0);
        d.failed(e, 0);
        assertThat(e.ejected(0)).as("one failure of two").isFalse();
        d.failed(e, 0);
        assertThat(e.ejected(0)).isTrue();
        assertThat(e.ejected(5 * S - 1)).isTrue();
        assertThat(e.ejected(5 * S)).as("5 s, the base time").isFalse();
        d.failed(e, 6 * S);
        d.failed(e, 6 * S);
        assertThat(e.ejected(6 * S + 10 * S - 1)).as("twice the base the second time").isTrue();
        assertThat(e.ejected(6 * S + 10 * S)).isFalse();
        d.failed(e, 20 * S);
        d.failed(e, 20 * S);
        assertThat(e.ejected(20 * S + 12 * S - 1)).isTrue();
        assertThat(e.ejected(20 * S + 12 * S)).as("capped at the maximum, 12 s").isFalse();
        assertThat(ejections.count()).isEqualTo(3.0);
    }

    @Test
    void backFromAnEjectionAnEndpointTakesOneRequestAtATimeUntilItAnswers() {
        List<Endpoint> eps = endpoints(4);
        OutlierDetector d = new OutlierDetector(new OutlierPolicy(1, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 50), eps, ejections);
        Endpoint e = eps.get(0);
        e.acquire(); // a long download from before the ejection, still going
        assertThat(e.acquire(0)).as("never ejected: no trial").isFalse();
        e.release(false);
        d.failed(e, 0);
        assertThat(e.available(5 * S - 1)).isFalse();
        assertThat(e.available(5 * S)).as("its time is over: on trial, the download from before notwithstanding").isTrue();
        assertThat(e.acquire(5 * S)).as("the trial request").isTrue();
        assertThat(e.available(5 * S)).as("one trial at a time: every other client picks elsewhere").isFalse();
        e.release(true); // the trial ended without an answer (its client left)
        assertThat(e.available(6 * S)).as("another may try").isTrue();
        assertThat(e.acquire(6 * S)).isTrue();
        d.failed(e, 8 * S); // the trial failed: out again, for twice the time
        e.release(true);
        assertThat(e.available(8 * S + 10 * S - 1)).isFalse();
        assertThat(e.acquire(18 * S)).isTrue();
        d.responded(e, 200, 18 * S);
        e.release(true);
        assertThat(e.available(18 * S)).as("it answered: back in full").isTrue();
        assertThat(e.acquire(18 * S)).as("no trial any more").isFalse();
        assertThat(e.acquire(18 * S)).isFalse();
        assertThat(e.available(18 * S)).isTrue();
    }

    @Test
    void aFiveHundredEndsATrialOnlyWhenFiveHundredsDoNotEject() {
        List<Endpoint> eps = endpoints(4);
        OutlierDetector counting = new OutlierDetector(new OutlierPolicy(1, 3, Duration.ofSeconds(5), Duration.ofSeconds(60), 50),
                eps, ejections);
        Endpoint e = eps.get(0);
        counting.failed(e, 0);
        assertThat(e.acquire(5 * S)).isTrue();
        counting.responded(e, 503, 5 * S);
        assertThat(e.available(5 * S)).as("a 503 where 5xx count against it: still on trial").isFalse();
        e.release(true);
        assertThat(e.acquire(6 * S)).isTrue();
        counting.responded(e, 200, 6 * S);
        assertThat(e.available(6 * S)).isTrue();

        Endpoint f = eps.get(1);
        OutlierDetector notCounting = new OutlierDetector(new OutlierPolicy(1, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 50),
                eps, ejections);
        notCounting.failed(f, 0);
        assertThat(f.acquire(5 * S)).isTrue();
        notCounting.responded(f, 503, 5 * S);
        assertThat(f.available(5 * S)).as("reachable, and 5xx are not its business: back").isTrue();
    }

    @Test
    void aResponseResetsTheCountAndFiveHundredsCountOnlyWhenAsked() {
        List<Endpoint> eps = endpoints(2);
        OutlierDetector d = new OutlierDetector(new OutlierPolicy(2, 3, Duration.ofSeconds(5), Duration.ofSeconds(60), 50), eps, ejections);
        Endpoint e = eps.get(0);
        d.failed(e, 0);
        d.responded(e, 200, 0);
        d.failed(e, 0);
        assertThat(e.ejected(0)).as("not two in a row").isFalse();
        d.responded(e, 500, 0);
        d.responded(e, 502, 0);
        d.responded(e, 404, 0);
        d.responded(e, 503, 0);
        assertThat(e.ejected(0)).isFalse();
        d.responded(e, 503, 0);
        d.responded(e, 500, 0);
        assertThat(e.ejected(0)).as("three 5xx in a row").isTrue();

        OutlierDetector off = new OutlierDetector(OutlierPolicy.DEFAULT, endpoints(2), ejections);
        Endpoint f = endpoints(1).get(0);
        for (int i = 0; i < 100; i++) {
            off.responded(f, 500, 0);
        }
        assertThat(f.ejected(0)).as("5xx ejection is off by default").isFalse();
    }

    @Test
    void neverMoreThanTheAllowedShareIsOutButAtLeastOne() {
        List<Endpoint> eps = endpoints(4);
        OutlierDetector d = new OutlierDetector(new OutlierPolicy(1, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 50), eps, ejections);
        for (Endpoint e : eps) {
            d.failed(e, 0);
        }
        assertThat(eps.stream().filter(e -> e.ejected(0)).count()).as("50% of 4").isEqualTo(2);
        List<Endpoint> two = endpoints(2);
        OutlierDetector small = new OutlierDetector(new OutlierPolicy(1, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 10), two, ejections);
        small.failed(two.get(0), 0);
        small.failed(two.get(1), 0);
        assertThat(two.stream().filter(e -> e.ejected(0)).count()).as("10% of 2 rounds down, yet one may go").isEqualTo(1);
    }
}
