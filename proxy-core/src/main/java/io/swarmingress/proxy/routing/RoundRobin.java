package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/** Even spread in declaration order; one atomic increment a pick. */
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
    public Endpoint pick() {
        return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
    }
}
