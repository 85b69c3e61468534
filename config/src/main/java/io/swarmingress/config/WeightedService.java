package io.swarmingress.config;

/**
 * One of the services a route splits its requests among, with its share: a route to
 * {@code [{name: a, weight: 90}, {name: b, weight: 10}]} sends 9 requests in 10 to {@code a}
 * (a canary: two Swarm services, the stable one and the new one, behind one route).
 *
 * @param weight 0-{@value #MAX_WEIGHT}; 0 takes the service out of the split without removing it
 */
public record WeightedService(String name, int weight) {
    /** Enough for shares in per mille. */
    public static final int MAX_WEIGHT = 1000;

    public WeightedService {
        Names.require("name", name);
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new InvalidFieldException("weight", weight + " (expected: 0-" + MAX_WEIGHT + ")");
        }
    }
}
