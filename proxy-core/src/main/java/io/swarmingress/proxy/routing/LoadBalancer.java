package io.swarmingress.proxy.routing;

import java.util.Arrays;
import java.util.List;

import io.swarmingress.config.LbPolicy;

/**
 * Picks the endpoint for the next request or connection. A balancer is built over one immutable
 * endpoint list (and their weights) and replaced, never mutated, when the list changes, so a pick
 * takes no lock; what changes under it (in-flight counts, latency, health) lives in atomics and
 * volatiles on the {@link Endpoint}s.
 *
 * <p>Every policy skips endpoints that are not {@link Endpoint#available} (ejected, unhealthy,
 * fallbacks) and the one a retry leaves; when none is available it uses them all (panic): a
 * guess beats a certain 503. Every policy honours the weights: at equal load and latency an
 * endpoint's share of requests is its share of the total weight.
 */
public interface LoadBalancer {

    /**
     * @param now the caller's clock, in nanoseconds, against which ejections expire and latency decays
     * @param avoid an endpoint not to pick when another will do (the one a retry leaves), or null
     * @param hash the request's key for {@code lb: hash} ({@link HashKeys}); the other policies ignore it
     * @return null when the service has no endpoints
     */
    Endpoint pick(long now, Endpoint avoid, long hash);

    /** Every endpoint weighing 1. */
    static LoadBalancer of(LbPolicy policy, List<Endpoint> endpoints) {
        int[] weights = new int[endpoints.size()];
        Arrays.fill(weights, 1);
        return of(policy, endpoints, weights);
    }

    /** @param weights one per endpoint, in the same order, each 1 or more */
    static LoadBalancer of(LbPolicy policy, List<Endpoint> endpoints, int[] weights) {
        Endpoint[] array = endpoints.toArray(new Endpoint[0]);
        if (weights.length != array.length) {
            throw new IllegalArgumentException(weights.length + " weights for " + array.length + " endpoints");
        }
        if (array.length == 0) {
            return (now, avoid, hash) -> null;
        }
        switch (policy) {
            case LEAST_CONN:
                return new LeastConnections(array, weights);
            case P2C:
                return new PowerOfTwoChoices(array, weights, null);
            case HASH:
                return new Maglev(array, weights);
            case ROUND_ROBIN:
            default:
                return new RoundRobin(array, weights, 0);
        }
    }

    /** The panic choice when none is available: {@code preferred}, unless it is the one to avoid and another exists. */
    static Endpoint panic(Endpoint[] endpoints, int preferred, Endpoint avoid) {
        Endpoint e = endpoints[preferred];
        return e != avoid || endpoints.length == 1 ? e : endpoints[(preferred + 1) % endpoints.length];
    }
}
