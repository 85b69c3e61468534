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
            counts.merge(lb.pick(0, null), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(eps).allSatisfy((e, c) -> assertThat(c).isEqualTo(100));
        assertThat(List.of(lb.pick(0, null), lb.pick(0, null), lb.pick(0, null))).containsExactlyElementsOf(eps);
    }

    @Test
    void leastConnectionsPrefersTheLeastBusy() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        eps.get(0).acquire();
        eps.get(0).acquire();
        eps.get(2).acquire();
        for (int i = 0; i < 10; i++) {
            assertThat(lb.pick(0, null)).isSameAs(eps.get(1));
        }
        eps.get(1).acquire();
        eps.get(1).acquire();
        assertThat(lb.pick(0, null)).isSameAs(eps.get(2));
    }

    @Test
    void leastConnectionsBreaksTiesRoundRobin() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(0, null), 1, Integer::sum);
        }
        assertThat(counts.values()).containsOnly(100);
    }

    @Test
    void noEndpointsMeansNoPick() {
        assertThat(LoadBalancer.of(LbPolicy.ROUND_ROBIN, List.of()).pick(0, null)).isNull();
        assertThat(LoadBalancer.of(LbPolicy.LEAST_CONN, List.of()).pick(0, null)).isNull();
    }

    @Test
    void roundRobinStaysEvenAcrossCounterOverflow() {
        List<Endpoint> eps = endpoints(3);
        RoundRobin rr = new RoundRobin(eps.toArray(new Endpoint[0]), Integer.MAX_VALUE - 4);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            counts.merge(rr.pick(0, null), 1, Integer::sum);
        }
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(2, 4));
        assertThat(counts).hasSize(3);
    }

    @Test
    void anUnavailableEndpointIsSkippedByEveryPolicyUntilItsTimeIsOver() {
        for (LbPolicy policy : LbPolicy.values()) {
            List<Endpoint> eps = endpoints(3);
            LoadBalancer lb = LoadBalancer.of(policy, eps);
            eps.get(1).eject(1_000, 5_000);
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                counts.merge(lb.pick(2_000, null), 1, Integer::sum);
            }
            assertThat(counts).as(policy.toString()).doesNotContainKey(eps.get(1)).hasSize(2);
            assertThat(lb.pick(5_000, null)).as("back after its time out").isNotNull();
            counts.clear();
            for (int i = 0; i < 300; i++) {
                counts.merge(lb.pick(5_000, null), 1, Integer::sum);
            }
            assertThat(counts).as(policy.toString()).containsKey(eps.get(1));
        }
    }

    @Test
    void notYetHealthyFallbackAndAvoidedEndpointsArePassedOverButAllAreUsedWhenNoneIsAvailable() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.ROUND_ROBIN, eps);
        eps.get(0).health(Endpoint.NOT_YET_HEALTHY);
        eps.get(1).fallback(true);
        for (int i = 0; i < 10; i++) {
            assertThat(lb.pick(0, null)).isSameAs(eps.get(2));
        }
        assertThat(lb.pick(0, eps.get(2))).as("panic, but not the endpoint a retry leaves").isNotSameAs(eps.get(2));
        eps.get(2).health(Endpoint.UNHEALTHY);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(0, null), 1, Integer::sum);
        }
        assertThat(counts).as("none available: all are used, a guess beats a certain 503").hasSize(3);
    }
}
