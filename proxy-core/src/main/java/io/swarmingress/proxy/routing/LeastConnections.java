package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The available endpoint with the fewest requests or connections in flight. The scan starts at a
 * rotating offset so that ties (most often: all idle) are broken round-robin instead of always
 * landing on the first endpoint.
 */
final class LeastConnections implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final AtomicInteger start = new AtomicInteger();

    LeastConnections(Endpoint[] endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid) {
        int n = endpoints.length;
        int offset = Math.floorMod(start.getAndIncrement(), n);
        Endpoint best = null;
        int bestActive = Integer.MAX_VALUE;
        for (int i = 0; i < n && bestActive > 0; i++) {
            Endpoint candidate = endpoints[(offset + i) % n];
            if (candidate == avoid || !candidate.available(now)) {
                continue;
            }
            int active = candidate.active();
            if (active < bestActive) {
                best = candidate;
                bestActive = active;
            }
        }
        return best != null ? best : LoadBalancer.panic(endpoints, offset, avoid);
    }
}
