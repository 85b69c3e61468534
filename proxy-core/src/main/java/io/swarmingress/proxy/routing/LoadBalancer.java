package io.swarmingress.proxy.routing;

import java.util.List;

import io.swarmingress.config.LbPolicy;

/**
 * Picks the endpoint for the next request or connection. A balancer is built over one immutable
 * endpoint list and replaced, never mutated, when the list changes, so a pick takes no lock.
 *
 * <p>Every policy skips endpoints that are not {@link Endpoint#available} (ejected, unhealthy,
 * fallbacks) and the one a retry leaves; when none is available it uses them all (panic): a
 * guess beats a certain 503.
 */
public interface LoadBalancer {

    /**
     * @param now the caller's clock, in nanoseconds, against which ejections expire
     * @param avoid an endpoint not to pick when another will do (the one a retry leaves), or null
     * @return null when the service has no endpoints
     */
    Endpoint pick(long now, Endpoint avoid);

    static LoadBalancer of(LbPolicy policy, List<Endpoint> endpoints) {
        Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        if (array.length == 0) {
            return (now, avoid) -> null;
        }
        switch (policy) {
            case LEAST_CONN:
                return new LeastConnections(array);
            case ROUND_ROBIN:
            default:
                return new RoundRobin(array);
        }
    }

    /** The panic choice when none is available: {@code preferred}, unless it is the one to avoid and another exists. */
    static Endpoint panic(Endpoint[] endpoints, int preferred, Endpoint avoid) {
        Endpoint e = endpoints[preferred];
        return e != avoid || endpoints.length == 1 ? e : endpoints[(preferred + 1) % endpoints.length];
    }
}
