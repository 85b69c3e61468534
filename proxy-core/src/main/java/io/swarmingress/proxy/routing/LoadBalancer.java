package io.swarmingress.proxy.routing;

import java.util.List;

import io.swarmingress.config.LbPolicy;

/**
 * Picks the endpoint for the next request or connection. A balancer is built over one immutable
 * endpoint list and replaced, never mutated, when the list changes, so a pick takes no lock.
 */
public interface LoadBalancer {

    /** @return null when the service has no endpoints */
    Endpoint pick();

    static LoadBalancer of(LbPolicy policy, List<Endpoint> endpoints) {
        Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        if (array.length == 0) {
            return () -> null;
        }
        switch (policy) {
            case LEAST_CONN:
                return new LeastConnections(array);
            case ROUND_ROBIN:
            default:
                return new RoundRobin(array);
        }
    }
}
