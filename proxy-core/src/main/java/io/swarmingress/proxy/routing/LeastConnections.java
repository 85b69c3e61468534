package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The available endpoint with the fewest requests or connections in flight per unit of weight
 * (nginx's weighted least_conn). The scan starts at a rotating offset that follows the weighted
 * turns, so that ties (most often: all idle) are broken in weighted round robin instead of always
 * landing on the first endpoint, and a client that sends one request at a time still sees the
 * weights.
 */
final class LeastConnections implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final int[] weights;
    /** Null when every endpoint weighs the same. */
    private final WeightedTurns turns;
    private final int cycle;
    private final AtomicInteger start = new AtomicInteger();

    LeastConnections(Endpoint[] endpoints, int[] weights) {
        this.endpoints = endpoints;
        this.weights = weights.clone();
        this.turns = WeightedTurns.of(weights);
        this.cycle = turns == null ? endpoints.length : turns.cycle();
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid, long hash) {
        int n = endpoints.length;
        int turn = Math.floorMod(start.getAndIncrement(), cycle);
        int offset = turns == null ? turn : turns.member(turn);
        Endpoint best = null;
        long bestActive = Long.MAX_VALUE;
        long bestWeight = 1;
        for (int i = 0; i < n && bestActive > 0; i++) {
            int index = (offset + i) % n;
            Endpoint candidate = endpoints[index];
            if (candidate == avoid || !candidate.available(now)) {
                continue;
            }
            long active = candidate.active();
            // active / weight < bestActive / bestWeight, without division
            if (best == null || active * bestWeight < bestActive * weights[index]) {
                best = candidate;
                bestActive = active;
                bestWeight = weights[index];
            }
        }
        return best != null ? best : LoadBalancer.panic(endpoints, offset, avoid);
    }
}
