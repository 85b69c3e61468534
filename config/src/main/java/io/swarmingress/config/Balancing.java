package io.swarmingress.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a service chooses among its endpoints beyond the policy's name: the key {@code lb: hash}
 * hashes, sticky sessions, and the endpoints' weights.
 *
 * @param hashOn the key of {@code lb: hash}; null for any other policy
 * @param sticky sticky sessions, or null for none
 * @param weights endpoint weights other than 1 (1-{@value #MAX_ENDPOINT_WEIGHT}), by address: an
 *                endpoint of weight 3 gets three times the traffic of one of weight 1, under every policy
 */
public record Balancing(HashOn hashOn, StickySessions sticky, Map<HostPort, Integer> weights) {
    /** As HAProxy: enough to express capacity ratios, small enough that a weighted turn stays cheap. */
    public static final int MAX_ENDPOINT_WEIGHT = 256;

    public static final Balancing DEFAULT = new Balancing(null, null, Map.of());

    public Balancing {
        Map<HostPort, Integer> kept = new LinkedHashMap<>();
        for (Map.Entry<HostPort, Integer> w : (weights == null ? Map.<HostPort, Integer>of() : weights).entrySet()) {
            int weight = w.getValue();
            if (weight < 1 || weight > MAX_ENDPOINT_WEIGHT) {
                throw new InvalidFieldException("endpoints", "weight " + weight + " of " + w.getKey() + " (expected: 1-"
                        + MAX_ENDPOINT_WEIGHT + ")");
            }
            if (weight != 1) {
                kept.put(w.getKey(), weight);
            }
        }
        weights = Map.copyOf(kept);
    }

    /** The weight of an endpoint: 1 unless set. */
    public int weight(HostPort endpoint) {
        return weights.getOrDefault(endpoint, 1);
    }

    Balancing withSticky(StickySessions s) {
        return new Balancing(hashOn, s, weights);
    }

    Balancing withHashOn(HashOn h) {
        return new Balancing(h, sticky, weights);
    }
}
