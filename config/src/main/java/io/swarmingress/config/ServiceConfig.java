package io.swarmingress.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A named pool of endpoints with one load-balancing policy. Endpoints come either from a static
 * list or from a Swarm service; the rest of the proxy sees only the resulting endpoint set.
 *
 * @param swarm null for a static service
 * @param retry when a failed request is tried on another endpoint
 * @param outlier when a failing endpoint is taken out of rotation (passive health)
 * @param healthCheck active checks of the endpoints, or null for none
 * @param upstream the PROXY header upstream connections start with, and whom they may serve
 */
public record ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints,
                            SwarmServiceRef swarm, Location location, RetryPolicy retry, OutlierPolicy outlier,
                            HealthCheck healthCheck, UpstreamOptions upstream) {

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
        if (retry == null) {
            retry = RetryPolicy.DEFAULT;
        }
        if (outlier == null) {
            outlier = OutlierPolicy.DEFAULT;
        }
        if (upstream == null) {
            upstream = UpstreamOptions.DEFAULT;
        }
    }

    /** With shared upstream connections and no PROXY header. */
    public ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints, SwarmServiceRef swarm,
                         Location location, RetryPolicy retry, OutlierPolicy outlier, HealthCheck healthCheck) {
        this(name, lb, timeouts, endpoints, swarm, location, retry, outlier, healthCheck, null);
    }

    /** With the default retry and outlier policies and no active checks. */
    public ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints, SwarmServiceRef swarm,
                         Location location) {
        this(name, lb, timeouts, endpoints, swarm, location, null, null, null, null);
    }

    public static ServiceConfig of(String name, LbPolicy lb, List<HostPort> endpoints) {
        return new ServiceConfig(name, lb, Timeouts.DEFAULT, endpoints, null, Location.NONE);
    }
}
