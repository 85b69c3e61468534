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
            counts.merge(lb.pick(0, null, 0), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(eps).allSatisfy((e, c) -> assertThat(c).isEqualTo(100));
        assertThat(List.of(lb.pick(0, null, 0), lb.pick(0, null, 0), lb.pick(0, null, 0))).containsExactlyElementsOf(eps);
    }

    @Test
    void leastConnectionsPrefersTheLeastBusy() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        eps.get(0).acquire();
        eps.get(0).acquire();
        eps.get(2).acquire();
        for (int i = 0; i < 10; i++) {
            assertThat(lb.pick(0, null, 0)).isSameAs(eps.get(1));
        }
        eps.get(1).acquire();
        eps.get(1).acquire();
        assertThat(lb.pick(0, null, 0)).isSameAs(eps.get(2));
    }

    @Test
    void leastConnectionsBreaksTiesRoundRobin() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(0, null, 0), 1, Integer::sum);
        }
        assertThat(counts.values()).containsOnly(100);
    }

    @Test
    void noEndpointsMeansNoPick() {
        for (LbPolicy policy : LbPolicy.values()) {
            assertThat(LoadBalancer.of(policy, List.of()).pick(0, null, 0)).as(policy.toString()).isNull();
        }
    }

    @Test
    void roundRobinStaysEvenAcrossCounterOverflow() {
        List<Endpoint> eps = endpoints(3);
        RoundRobin rr = new RoundRobin(eps.toArray(new Endpoint[0]), new int[] {1, 1, 1}, Integer.MAX_VALUE - 4);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            counts.merge(rr.pick(0, null, 0), 1, Integer::sum);
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
                counts.merge(lb.pick(2_000, null, HashKeys.mix(i)), 1, Integer::sum);
            }
            assertThat(counts).as(policy.toString()).doesNotContainKey(eps.get(1)).hasSize(2);
            assertThat(lb.pick(5_000, null, 0)).as("back after its time out").isNotNull();
            counts.clear();
            for (int i = 0; i < 300; i++) {
                counts.merge(lb.pick(5_000, null, HashKeys.mix(i)), 1, Integer::sum);
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
            assertThat(lb.pick(0, null, 0)).isSameAs(eps.get(2));
        }
        assertThat(lb.pick(0, eps.get(2), 0)).as("panic, but not the endpoint a retry leaves").isNotSameAs(eps.get(2));
        eps.get(2).health(Endpoint.UNHEALTHY);
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(lb.pick(0, null, 0), 1, Integer::sum);
        }
        assertThat(counts).as("none available: all are used, a guess beats a certain 503").hasSize(3);
    }

    @Test
    void everyPolicyAvoidsTheEndpointARetryLeavesAndPanicsToAllWhenNoneIsAvailable() {
        for (LbPolicy policy : LbPolicy.values()) {
            List<Endpoint> eps = endpoints(3);
            LoadBalancer lb = LoadBalancer.of(policy, eps);
            for (int i = 0; i < 100; i++) {
                Endpoint first = lb.pick(0, null, HashKeys.mix(i));
                assertThat(lb.pick(0, first, HashKeys.mix(i))).as(policy + ": a retry goes elsewhere").isNotSameAs(first);
            }
            eps.forEach(e -> e.health(Endpoint.UNHEALTHY));
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                counts.merge(lb.pick(0, null, HashKeys.mix(i)), 1, Integer::sum);
            }
            assertThat(counts).as(policy + ": none available, all used").hasSize(3);
        }
    }

    @Test
    void roundRobinAndLeastConnectionsFollowTheWeightsExactlyWhenIdle() {
        for (LbPolicy policy : List.of(LbPolicy.ROUND_ROBIN, LbPolicy.LEAST_CONN)) {
            List<Endpoint> eps = endpoints(3);
            LoadBalancer lb = LoadBalancer.of(policy, eps, new int[] {1, 2, 3});
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int i = 0; i < 600; i++) {
                counts.merge(lb.pick(0, null, 0), 1, Integer::sum);
            }
            assertThat(counts).as(policy.toString()).containsEntry(eps.get(0), 100).containsEntry(eps.get(1), 200)
                    .containsEntry(eps.get(2), 300);
        }
    }

    @Test
    void weightedTurnsInterleaveTheHeavyEndpointAndReduceByTheCommonDivisor() {
        WeightedTurns turns = WeightedTurns.of(new int[] {30, 10});
        assertThat(turns.cycle()).isEqualTo(4);
        assertThat(List.of(turns.member(0), turns.member(1), turns.member(2), turns.member(3))).containsExactly(0, 1, 0, 0);
        assertThat(WeightedTurns.of(new int[] {5, 5, 5})).as("equal weights: plain round robin").isNull();
        WeightedTurns withZero = WeightedTurns.of(new int[] {0, 2, 1});
        List<Integer> cycle = new ArrayList<>();
        for (int t = 0; t < withZero.cycle(); t++) {
            cycle.add(withZero.member(t));
        }
        assertThat(cycle).as("weight 0 never gets a turn").containsExactly(1, 2, 1);
    }

    @Test
    void leastConnectionsComparesInFlightPerUnitOfWeight() {
        List<Endpoint> eps = endpoints(2);
        LoadBalancer lb = LoadBalancer.of(LbPolicy.LEAST_CONN, eps, new int[] {1, 4});
        // 2 in flight on weight 1 is more loaded than 7 on weight 4 (2 > 1.75)...
        acquire(eps.get(0), 2);
        acquire(eps.get(1), 7);
        assertThat(lb.pick(0, null, 0)).isSameAs(eps.get(1));
        // ...and less than 9 on weight 4 (2 < 2.25).
        acquire(eps.get(1), 2);
        assertThat(lb.pick(0, null, 0)).isSameAs(eps.get(0));
    }

    private static void acquire(Endpoint e, int times) {
        for (int i = 0; i < times; i++) {
            e.acquire();
        }
    }
}
