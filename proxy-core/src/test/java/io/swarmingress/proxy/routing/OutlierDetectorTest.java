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
