package io.swarmingress.proxy.routing;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.WeightedService;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.metrics.RequestMetrics;

/**
 * Everything the data plane needs to route, as one immutable snapshot. It is built off the event
 * loops (from the config file plus discovered endpoints) and published with a single atomic swap;
 * a request reads the table once and uses that table to its end, so a reload never changes the
 * rules under a request in flight.
 */
public final class RoutingTable {
    /** The service name under which requests that match no route are counted. */
    public static final String NO_SERVICE = "none";

    private final IngressConfig config;
    private final long generation;
    private final Instant builtAt;
    private final Map<String, Service> services;
    private final Map<String, Router> routers;
    private final Map<String, Service> tcpServices;
    private final Map<String, RequestMetrics> unrouted;
    private final Map<String, EntrypointConfig> entrypoints;
    private final Map<HostPort, Endpoint> endpointsByAddress;

    private RoutingTable(IngressConfig config, long generation, Instant builtAt, Map<String, Service> services,
                         Map<String, Router> routers, Map<String, Service> tcpServices, Map<String, RequestMetrics> unrouted,
                         Map<HostPort, Endpoint> endpointsByAddress) {
        this.config = config;
        this.generation = generation;
        this.builtAt = builtAt;
        this.services = services;
        this.routers = routers;
        this.tcpServices = tcpServices;
        this.unrouted = unrouted;
        this.endpointsByAddress = endpointsByAddress;
        Map<String, EntrypointConfig> byName = new HashMap<>();
        for (EntrypointConfig ec : config.entrypoints()) {
            byName.put(ec.name(), ec);
        }
        this.entrypoints = Map.copyOf(byName);
    }

    /**
     * @param discovered endpoints of services whose endpoints are not in the file, by service name
     * @param previous the table being replaced, whose endpoint objects (and their in-flight counts,
     *                 passive and active health) are carried over; null for the first table.
     *                 Its endpoints that this table leaves out are marked removed: they drain.
     * @param clock tells when the table was built, for /routes
     */
    public static RoutingTable build(IngressConfig config, Map<String, List<HostPort>> discovered, RoutingTable previous,
                                     IngressMetrics metrics, Clock clock) {
        return build(config, discovered, Map.of(), previous, metrics, clock);
    }

    /**
     * @param fallbacks endpoints of discovered services that are only fallbacks (tasks Swarm is
     *                  replacing that still run): picked only when no other endpoint is available
     */
    public static RoutingTable build(IngressConfig config, Map<String, List<HostPort>> discovered,
                                     Map<String, ? extends java.util.Set<HostPort>> fallbacks, RoutingTable previous,
                                     IngressMetrics metrics, Clock clock) {
        Map<String, Service> services = new LinkedHashMap<>();
        Map<HostPort, Endpoint> endpointsByAddress = new HashMap<>();
        for (ServiceConfig sc : config.services()) {
            List<HostPort> addresses = sc.swarm() == null ? sc.endpoints() : discovered.getOrDefault(sc.name(), List.of());
            List<Endpoint> endpoints = new ArrayList<>(addresses.size());
            for (HostPort address : addresses) {
                Endpoint e = previous == null ? null : previous.endpoint(sc.name(), address);
                if (e == null) {
                    e = new Endpoint(address);
                    // With active checks, a new endpoint waits for its first pass before it gets traffic.
                    e.health(sc.healthCheck() == null ? Endpoint.HEALTHY : Endpoint.NOT_YET_HEALTHY);
                } else if (sc.healthCheck() == null) {
                    e.health(Endpoint.HEALTHY);
                }
                java.util.Set<HostPort> standby = fallbacks.get(sc.name());
                e.fallback(standby != null && standby.contains(address));
                endpoints.add(e);
            }
            Service before = previous == null ? null : previous.services.get(sc.name());
            Service service = new Service(sc, endpoints, metrics.service(sc.name()), before);
            services.put(sc.name(), service);
            for (Endpoint e : endpoints) {
                endpointsByAddress.putIfAbsent(e.address(), e);
            }
        }
        Map<String, List<Route>> routesByEntrypoint = new LinkedHashMap<>();
        for (RouteConfig rc : config.routes()) {
            List<Service> targets = new ArrayList<>(rc.services().size());
            List<RequestMetrics> counted = new ArrayList<>(rc.services().size());
            for (WeightedService ws : rc.services()) {
                targets.add(services.get(ws.name()));
                counted.add(metrics.requests(rc.entrypoint(), ws.name()));
            }
            Route route = new Route(rc, targets, counted);
            routesByEntrypoint.computeIfAbsent(rc.entrypoint(), k -> new ArrayList<>()).add(route);
        }
        Map<String, Router> routers = new HashMap<>();
        Map<String, Service> tcpServices = new HashMap<>();
        Map<String, RequestMetrics> unrouted = new HashMap<>();
        for (EntrypointConfig ec : config.entrypoints()) {
            if (ec.protocol() == Protocol.HTTP) {
                routers.put(ec.name(), new Router(routesByEntrypoint.getOrDefault(ec.name(), List.of())));
                unrouted.put(ec.name(), metrics.requests(ec.name(), NO_SERVICE));
            } else {
                if (ec.tlsPassthrough()) {
                    // Routed by the server name of the TLS hello, with the same host precedence as http routes.
                    routers.put(ec.name(), new Router(routesByEntrypoint.getOrDefault(ec.name(), List.of())));
                }
                if (ec.service() != null) {
                    tcpServices.put(ec.name(), services.get(ec.service()));
                }
            }
        }
        if (previous != null) {
            markRemoved(previous, services);
        }
        long generation = previous == null ? 1 : previous.generation + 1;
        return new RoutingTable(config, generation, Instant.now(clock), Map.copyOf(services), Map.copyOf(routers), Map.copyOf(tcpServices),
                Map.copyOf(unrouted), endpointsByAddress);
    }

    /** The previous table's endpoints that no service of the new one kept: they take no new requests and drain. */
    private static void markRemoved(RoutingTable previous, Map<String, Service> services) {
        for (Service old : previous.services.values()) {
            Service now = services.get(old.name());
            for (Endpoint e : old.endpoints()) {
                if (now == null || !now.endpoints().contains(e)) {
                    e.remove();
                }
            }
        }
    }

    private Endpoint endpoint(String serviceName, HostPort address) {
        Service s = services.get(serviceName);
        if (s == null) {
            return null;
        }
        for (Endpoint e : s.endpoints()) {
            if (e.address().equals(address)) {
                return e;
            }
        }
        return null;
    }

    public IngressConfig config() {
        return config;
    }

    /** Counts up from 1 with every table built in this process; shown by /routes. */
    public long generation() {
        return generation;
    }

    public Instant builtAt() {
        return builtAt;
    }

    public Map<String, Service> services() {
        return services;
    }

    public Service service(String name) {
        return services.get(name);
    }

    /** The entrypoint's options in this table (limits, via), or null when it has no such entrypoint. */
    public EntrypointConfig entrypoint(String name) {
        return entrypoints.get(name);
    }

    /** @return null when the entrypoint is not an http entrypoint of this table */
    public Router router(String entrypoint) {
        return routers.get(entrypoint);
    }

    /** @return null when the entrypoint is not a tcp entrypoint of this table */
    public Service tcpService(String entrypoint) {
        return tcpServices.get(entrypoint);
    }

    /**
     * The service of a TLS passthrough connection: the route matching the server name it asked
     * for, else the entrypoint's default service; null when neither (the connection is refused).
     *
     * @param serverName lower case without a trailing dot; null when the client sent none
     */
    public Service passthroughService(String entrypoint, String serverName) {
        Router router = routers.get(entrypoint);
        Route route = router == null ? null : router.match(serverName, "/", RequestHeaders.NONE);
        return route != null ? route.service() : tcpServices.get(entrypoint);
    }

    /** Where a request that matched no route on this entrypoint is counted. */
    public RequestMetrics unrouted(String entrypoint) {
        return unrouted.get(entrypoint);
    }

    /** Whether some service of this table still has an endpoint at this address (pools keep its connections). */
    public boolean hasEndpoint(HostPort address) {
        return endpointsByAddress.containsKey(address);
    }
}
