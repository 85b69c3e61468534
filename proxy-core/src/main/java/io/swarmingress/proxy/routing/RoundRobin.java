package io.swarmingress.proxy.routing;

import java.util.concurrent.atomic.AtomicInteger;

/** Even spread in declaration order; one atomic increment a pick. */
final class RoundRobin implements LoadBalancer {
    private final Endpoint[] endpoints;
    private final AtomicInteger next = new AtomicInteger();

    RoundRobin(Endpoint[] endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public Endpoint pick() {
        return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
    }
}
