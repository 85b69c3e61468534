package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Even spread in declaration order; one atomic increment a pick. An endpoint that is not
 * available passes its turn to the next one (one extra check, only then).
 */
final class RoundRobin implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final AtomicInteger next;

    RoundRobin(Endpoint[] endpoints) {
        this(endpoints, 0);
    }

    /** @param start the first counter value; tests start near the int limit to cross the overflow */
    RoundRobin(Endpoint[] endpoints, int start) {
        this.endpoints = endpoints;
        this.next = new AtomicInteger(start);
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid) {
        int n = endpoints.length;
        int first = Math.floorMod(next.getAndIncrement(), n);
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
