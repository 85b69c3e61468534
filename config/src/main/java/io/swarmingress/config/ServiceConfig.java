package io.swarmingress.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A named pool of endpoints with one load-balancing policy. Endpoints come either from a static
 * list or from a Swarm service; the rest of the proxy sees only the resulting endpoint set.
 *
 * @param swarm null for a static service
 */
public record ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints,
                            SwarmServiceRef swarm, Location location) {

    public ServiceConfig {
        Names.require("name", name);
        if (lb == null) {
            lb = LbPolicy.ROUND_ROBIN;
        }
        if (timeouts == null) {
            timeouts = Timeouts.DEFAULT;
        }
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        if (swarm != null && !endpoints.isEmpty()) {
            throw new InvalidFieldException("endpoints", "a service takes either endpoints or swarm, not both");
        }
        Set<HostPort> seen = new HashSet<>();
        for (HostPort e : endpoints) {
            if (e.port() == 0) {
                throw new InvalidFieldException("endpoints", e + " has port 0 (expected: 1-65535)");
            }
            if (!seen.add(e)) {
                throw new InvalidFieldException("endpoints", e + " is listed twice");
            }
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    public static ServiceConfig of(String name, LbPolicy lb, List<HostPort> endpoints) {
        return new ServiceConfig(name, lb, Timeouts.DEFAULT, endpoints, null, Location.NONE);
    }
}
