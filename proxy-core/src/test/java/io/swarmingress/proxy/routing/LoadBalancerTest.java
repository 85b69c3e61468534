package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.LbPolicy;

class LoadBalancerTest {

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new Endpoint(new HostPort("127.0.0.1", 9000 + i)));
        }
        return list;
    }

    @Test
    void roundRobinSpreadsExactlyEvenly() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.ROUND_ROBIN, eps);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(eps).allSatisfy((e, c) -> assertThat(c).isEqualTo(100));
        assertThat(List.of(lb.pick(), lb.pick(), lb.pick())).containsExactlyElementsOf(eps);
    }

    @Test
    void leastConnectionsPrefersTheLeastBusy() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        eps.get(0).acquire();
        eps.get(0).acquire();
        eps.get(2).acquire();
        for (int i = 0; i < 10; i++) {
            assertThat(lb.pick()).isSameAs(eps.get(1));
        }
        eps.get(1).acquire();
        eps.get(1).acquire();
        assertThat(lb.pick()).isSameAs(eps.get(2));
    }

    @Test
    void leastConnectionsBreaksTiesRoundRobin() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(), 1, Integer::sum);
        }
        assertThat(counts.values()).containsOnly(100);
    }

    @Test
    void noEndpointsMeansNoPick() {
        assertThat(LoadBalancer.of(LbPolicy.ROUND_ROBIN, List.of()).pick()).isNull();
        assertThat(LoadBalancer.of(LbPolicy.LEAST_CONN, List.of()).pick()).isNull();
    }

    @Test
    void roundRobinStaysEvenAcrossCounterOverflow() {
        List<Endpoint> eps = endpoints(3);
        RoundRobin rr = new RoundRobin(eps.toArray(new Endpoint[0]), Integer.MAX_VALUE - 4);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            counts.merge(rr.pick(), 1, Integer::sum);
        }
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(2, 4));
        assertThat(counts).hasSize(3);
    }
}
