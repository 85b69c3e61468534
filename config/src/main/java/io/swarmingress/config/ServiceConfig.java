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
 * @param balancing the hash key, sticky sessions and endpoint weights; every endpoint weighs 1 by default
 */
public record ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints,
                            SwarmServiceRef swarm, Location location, RetryPolicy retry, OutlierPolicy outlier,
                            HealthCheck healthCheck, UpstreamOptions upstream, Balancing balancing) {

    /** Prefix of a sticky cookie's default name, followed by the service's name. */
    public static final String STICKY_COOKIE_PREFIX = "ingress_";

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
        if (balancing == null) {
            balancing = Balancing.DEFAULT;
        }
        if (lb == LbPolicy.HASH && balancing.hashOn() == null) {
            balancing = balancing.withHashOn(HashOn.CLIENT_ADDRESS);
        } else if (lb != LbPolicy.HASH && balancing.hashOn() != null) {
            throw new InvalidFieldException("hash_on", "is for lb: hash (this service has lb: " + lb.configName() + ")");
        }
        if (balancing.sticky() != null && balancing.sticky().cookie() == null) {
            balancing = balancing.withSticky(balancing.sticky().withCookie(STICKY_COOKIE_PREFIX + name));
        }
        for (HostPort weighted : balancing.weights().keySet()) {
            if (!endpoints.contains(weighted)) {
                throw new InvalidFieldException("endpoints", "a weight for " + weighted + ", which is not an endpoint");
            }
        }
    }

    /** With the default balancing options: no hash key but the client address, no sticky sessions, equal weights. */
    public ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints, SwarmServiceRef swarm,
                         Location location, RetryPolicy retry, OutlierPolicy outlier, HealthCheck healthCheck,
                         UpstreamOptions upstream) {
        this(name, lb, timeouts, endpoints, swarm, location, retry, outlier, healthCheck, upstream, null);
    }

    /** The same service with other balancing options (labels add them to a service they describe). */
    public ServiceConfig withBalancing(Balancing b) {
        return new ServiceConfig(name, lb, timeouts, endpoints, swarm, location, retry, outlier, healthCheck, upstream, b);
    }

    /** The same service with other upstream options (a label may ask for h2c). */
    public ServiceConfig withUpstream(UpstreamOptions u) {
        return new ServiceConfig(name, lb, timeouts, endpoints, swarm, location, retry, outlier, healthCheck, u, balancing);
    }

    /** With shared upstream connections and no PROXY header. */
    public ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints, SwarmServiceRef swarm,
                         Location location, RetryPolicy retry, OutlierPolicy outlier, HealthCheck healthCheck) {
        this(name, lb, timeouts, endpoints, swarm, location, retry, outlier, healthCheck, null, null);
    }

    /** With the default retry and outlier policies and no active checks. */
    public ServiceConfig(String name, LbPolicy lb, Timeouts timeouts, List<HostPort> endpoints, SwarmServiceRef swarm,
                         Location location) {
        this(name, lb, timeouts, endpoints, swarm, location, null, null, null, null, null);
    }

    public static ServiceConfig of(String name, LbPolicy lb, List<HostPort> endpoints) {
        return new ServiceConfig(name, lb, Timeouts.DEFAULT, endpoints, null, Location.NONE);
    }
}
