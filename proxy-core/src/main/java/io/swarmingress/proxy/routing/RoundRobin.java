package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Even spread in declaration order, or in proportion to the weights ({@link WeightedTurns}); one
 * atomic increment a pick. An endpoint that is not available passes its turn to the next one in
 * declaration order (one extra check, only then).
 */
final class RoundRobin implements LoadBalancer {
    private final Endpoint[] endpoints;
    /** Null when every endpoint weighs the same. */
    private final WeightedTurns turns;
    private final int cycle;
    private final AtomicInteger next;

    /** @param start the first counter value; tests start near the int limit to cross the overflow */
    RoundRobin(Endpoint[] endpoints, int[] weights, int start) {
        this.endpoints = endpoints;
        this.turns = WeightedTurns.of(weights);
        this.cycle = turns == null ? endpoints.length : turns.cycle();
        this.next = new AtomicInteger(start);
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid, long hash) {
        int n = endpoints.length;
        int turn = Math.floorMod(next.getAndIncrement(), cycle);
        int first = turns == null ? turn : turns.member(turn);
        Endpoint e = endpoints[first];
        if (e != avoid && e.available(now)) {
            return e;
        }
        for (int i = 1; i < n; i++) {
            Endpoint candidate = endpoints[(first + i) % n];
            if (candidate != avoid && candidate.available(now)) {
                return candidate;
            }
        }
        return LoadBalancer.panic(endpoints, first, avoid);
    }
}
