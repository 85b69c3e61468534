package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.util.AsciiString;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.metrics.IngressMetrics;

/**
 * Where a request with a sticky cookie goes, under the availability rules every policy follows:
 * to the endpoint its cookie names while that one is available; to the policy's pick (never the
 * named one) while it is ejected, unhealthy, not yet healthy or a mere fallback and another is
 * available; and back to the named one when none is available, since the policy then guesses
 * among them all and the session's own endpoint is the guess that moves nothing.
 */
class StickyPickTest {
    private final IngressMetrics metrics = new IngressMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private Service service(String lb) {
        String yaml = "entrypoints: [{name: web, address: '127.0.0.1:0'}]\nroutes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: " + lb + ", sticky: true,"
                + " endpoints: ['10.0.1.1:8080', '10.0.1.2:8080', '10.0.1.3:8080']}]\n";
        return RoutingTable.build(new ConfigParser().parse(yaml, "sticky.yaml"), Map.of(), null, metrics, Clock.systemUTC())
                .service("app");
    }

    private static RequestHeaders cookie(String setCookie) {
        String line = "theme=dark; " + setCookie.substring(0, setCookie.indexOf(';'));
        return name -> name.contentEquals(AsciiString.of("cookie")) ? line : null;
    }

    private static Set<Endpoint> picks(Service s, RequestHeaders request, long now) {
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            seen.add(s.pick(now, request, HashKeys.mix(i)));
        }
        return seen;
    }

    @Test
    void aSessionLeavesItsEndpointOnlyWhileAnotherIsAvailableWhateverThePolicy() {
        for (String lb : List.of("round_robin", "least_conn", "p2c", "hash")) {
            Service s = service(lb);
            List<Endpoint> eps = s.endpoints();
            Endpoint home = eps.get(1);
            RequestHeaders session = cookie(s.stickyCookie(home, RequestHeaders.NONE));
            assertThat(picks(s, session, 0)).as(lb + ": the cookie wins over the policy").containsOnly(home);
            assertThat(s.stickyCookie(home, session)).as(lb + ": no new cookie while it sticks").isNull();

            home.eject(0, 1_000);
            assertThat(picks(s, session, 500)).as(lb + ": ejected, the policy picks the others").containsOnly(eps.get(0), eps.get(2));
            assertThat(picks(s, session, 1_000)).as(lb + ": its time out is over").containsOnly(home);

            home.fallback(true);
            assertThat(picks(s, session, 1_000)).as(lb + ": a fallback is passed over").doesNotContain(home);
            home.fallback(false);
            home.health(Endpoint.NOT_YET_HEALTHY);
            assertThat(picks(s, session, 1_000)).as(lb + ": not yet healthy, passed over").doesNotContain(home);
            assertThat(s.stickyCookie(eps.get(0), session)).as(lb + ": the answer from elsewhere re-pins the session").isNotNull();

            eps.forEach(e -> e.health(Endpoint.UNHEALTHY));
            assertThat(picks(s, session, 1_000)).as(lb + ": none available, the session keeps its own").containsOnly(home);
            assertThat(picks(s, RequestHeaders.NONE, 1_000)).as(lb + ": none available, new sessions go anywhere")
                    .hasSizeGreaterThan(1);
        }
    }
}
