package io.swarmingress.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole, consistent config: every route reaches a declared http entrypoint and service, every
 * name is unique, no two listeners share an address. Checks that span records live here so that a
 * half-valid config can never be built, whichever way it is built (file, labels, code).
 *
 * @param admin null when no admin listener is wanted
 * @param ioThreads event loop threads shared by all entrypoints
 * @param shutdownGrace how long in-flight requests may run after SIGTERM
 * @param swarm the Swarm provider; null when no service comes from Swarm
 * @param shutdownDelay how long after SIGTERM the proxy keeps serving while {@code /healthz} already
 *                      answers 503, so that a load balancer in front stops sending before the
 *                      listeners close (zero: close at once)
 */
public record IngressConfig(List<EntrypointConfig> entrypoints, List<RouteConfig> routes, List<ServiceConfig> services,
                            AdminConfig admin, int ioThreads, Duration shutdownGrace, Location location,
                            SwarmProviderConfig swarm, Duration shutdownDelay) {

    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SHUTDOWN_DELAY = Duration.ZERO;

    public IngressConfig {
        entrypoints = List.copyOf(entrypoints);
        routes = List.copyOf(routes);
        services = List.copyOf(services);
        if (shutdownGrace == null) {
            shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        }
        if (shutdownDelay == null) {
            shutdownDelay = DEFAULT_SHUTDOWN_DELAY;
        }
        if (location == null) {
            location = Location.NONE;
        }
        List<ConfigError> errors = validate(entrypoints, routes, services, admin, ioThreads, shutdownGrace, location);
        if (shutdownDelay.isNegative()) {
            errors.add(location.error("", "shutdown_delay", shutdownDelay + " (expected: >= 0)"));
        }
        validateSwarm(entrypoints, services, swarm, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    /** A config without a shutdown delay (the shape before it existed). */
    public IngressConfig(List<EntrypointConfig> entrypoints, List<RouteConfig> routes, List<ServiceConfig> services,
                         AdminConfig admin, int ioThreads, Duration shutdownGrace, Location location,
                         SwarmProviderConfig swarm) {
        this(entrypoints, routes, services, admin, ioThreads, shutdownGrace, location, swarm, DEFAULT_SHUTDOWN_DELAY);
    }

    /** A config without the Swarm provider (the shape before it existed). */
    public IngressConfig(List<EntrypointConfig> entrypoints, List<RouteConfig> routes, List<ServiceConfig> services,
                         AdminConfig admin, int ioThreads, Duration shutdownGrace, Location location) {
        this(entrypoints, routes, services, admin, ioThreads, shutdownGrace, location, null, DEFAULT_SHUTDOWN_DELAY);
    }

    /** A config built in code, for tests and embedders. */
    public static IngressConfig of(List<EntrypointConfig> entrypoints, List<RouteConfig> routes, List<ServiceConfig> services,
                                   AdminConfig admin, int ioThreads) {
        return new IngressConfig(entrypoints, routes, services, admin, ioThreads, DEFAULT_SHUTDOWN_GRACE, Location.NONE, null,
                DEFAULT_SHUTDOWN_DELAY);
    }

    public static int defaultIoThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public EntrypointConfig entrypoint(String name) {
        for (EntrypointConfig e : entrypoints) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    public ServiceConfig service(String name) {
        for (ServiceConfig s : services) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private static List<ConfigError> validate(List<EntrypointConfig> entrypoints, List<RouteConfig> routes,
                                              List<ServiceConfig> services, AdminConfig admin, int ioThreads,
                                              Duration shutdownGrace, Location location) {
        List<ConfigError> errors = new ArrayList<>();
        if (ioThreads < 1) {
            errors.add(location.error("", "io_threads", ioThreads + " (expected: >= 1)"));
        }
        if (shutdownGrace.isNegative()) {
            errors.add(location.error("", "shutdown_grace", shutdownGrace + " (expected: >= 0)"));
        }
        Map<String, EntrypointConfig> entrypointsByName = new HashMap<>();
        Map<HostPort, String> binds = new HashMap<>();
        for (int i = 0; i < entrypoints.size(); i++) {
            EntrypointConfig e = entrypoints.get(i);
            String prefix = "entrypoints[" + i + "]";
            if (entrypointsByName.putIfAbsent(e.name(), e) != null) {
                errors.add(e.location().error(prefix, "name", "'" + e.name() + "' is declared twice"));
            }
            if (e.address().port() != 0) {
                String other = binds.putIfAbsent(e.address(), e.name());
                if (other != null) {
                    errors.add(e.location().error(prefix, "address", e.address() + " is already used by entrypoint '" + other + "'"));
                }
            }
        }
        Map<String, ServiceConfig> servicesByName = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            ServiceConfig s = services.get(i);
            if (servicesByName.putIfAbsent(s.name(), s) != null) {
                errors.add(s.location().error("services[" + i + "]", "name", "'" + s.name() + "' is declared twice"));
            }
        }
        for (int i = 0; i < entrypoints.size(); i++) {
            EntrypointConfig e = entrypoints.get(i);
            if (e.protocol() != Protocol.TCP || e.service() == null) {
                continue;
            }
            ServiceConfig s = servicesByName.get(e.service());
            if (s == null) {
                errors.add(e.location().error("entrypoints[" + i + "]", "service", "'" + e.service() + "' is not a declared service"));
                continue;
            }
            // A byte stream has no cookie, header or path: only the client's address can key it.
            Balancing b = s.balancing();
            if (b.sticky() != null) {
                errors.add(e.location().error("entrypoints[" + i + "]", "service", "'" + s.name()
                        + "' has sticky sessions, which need HTTP (a tcp entrypoint can use lb: hash on client_address)"));
            }
            if (b.hashOn() != null && b.hashOn().source() != HashOn.Source.CLIENT_ADDRESS) {
                errors.add(e.location().error("entrypoints[" + i + "]", "service", "'" + s.name() + "' hashes on "
                        + b.hashOn().configName() + ", which a tcp entrypoint does not have (expected: client_address)"));
            }
        }
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig r = routes.get(i);
            String prefix = "routes[" + i + "]";
            EntrypointConfig e = entrypointsByName.get(r.entrypoint());
            if (e == null) {
                errors.add(r.location().error(prefix, "entrypoint", "'" + r.entrypoint() + "' is not a declared entrypoint"));
            } else if (e.tlsPassthrough()) {
                passthroughRoute(r, prefix, errors);
            } else if (e.protocol() != Protocol.HTTP) {
                errors.add(r.location().error(prefix, "entrypoint", "'" + r.entrypoint()
                        + "' is a tcp entrypoint (routes need http, or a tcp entrypoint with tls_passthrough: true)"));
            } else if (r.hsts() != null && !e.terminatesTls()) {
                errors.add(r.location().error(prefix, "hsts", "entrypoint '" + r.entrypoint()
                        + "' does not terminate TLS (browsers ignore HSTS over plain HTTP)"));
            }
            for (WeightedService ws : r.services()) {
                if (!servicesByName.containsKey(ws.name())) {
                    errors.add(r.location().error(prefix, r.split() ? "services" : "service", "'" + ws.name() + "' is not a declared service"));
                }
            }
        }
        for (int i = 0; i < entrypoints.size(); i++) {
            EntrypointConfig e = entrypoints.get(i);
            if (e.httpsRedirect() == null) {
                continue;
            }
            EntrypointConfig target = entrypointsByName.get(e.httpsRedirect());
            if (target == null || target.protocol() != Protocol.HTTP || !target.terminatesTls()) {
                errors.add(e.location().error("entrypoints[" + i + "]", "https_redirect", "'" + e.httpsRedirect()
                        + "' is not a declared http entrypoint with tls:"));
            }
        }
        if (admin != null && admin.address().port() != 0 && binds.containsKey(admin.address())) {
            errors.add(location.error("", "admin", admin.address() + " is already used by entrypoint '"
                    + binds.get(admin.address()) + "'"));
        }
        return errors;
    }

    /**
     * A route on a passthrough entrypoint matches the server name of the TLS hello (exact,
     * {@code *.domain}, or none for any name) and nothing else: the bytes behind it are encrypted.
     */
    private static void passthroughRoute(RouteConfig r, String prefix, List<ConfigError> errors) {
        String why = !r.pathPrefix().equals("/") ? "path_prefix" : !r.headers().isEmpty() ? "headers"
                : r.stripPrefix() ? "strip_prefix" : r.hsts() != null ? "hsts" : null;
        if (why != null) {
            errors.add(r.location().error(prefix, why, "entrypoint '" + r.entrypoint()
                    + "' passes TLS through: its routes match the server name (host) only"));
        }
    }

    /**
     * A service that names a Swarm service needs someone to ask Docker; without the provider it
     * would silently have no endpoints. Label routes that default to an entrypoint need it to exist.
     */
    private static void validateSwarm(List<EntrypointConfig> entrypoints, List<ServiceConfig> services,
                                      SwarmProviderConfig swarm, List<ConfigError> errors) {
        for (int i = 0; i < services.size(); i++) {
            ServiceConfig s = services.get(i);
            if (s.swarm() != null && swarm == null) {
                errors.add(s.location().error("services[" + i + "]", "swarm",
                        "service '" + s.name() + "' names Swarm service '" + s.swarm().service()
                                + "' but the top-level swarm: section is missing"));
            }
        }
        if (swarm != null && swarm.entrypoint() != null) {
            EntrypointConfig e = null;
            for (EntrypointConfig c : entrypoints) {
                if (c.name().equals(swarm.entrypoint())) {
                    e = c;
                }
            }
            if (e == null) {
                errors.add(swarm.location().error("swarm", "entrypoint",
                        "'" + swarm.entrypoint() + "' is not a declared entrypoint"));
            } else if (e.protocol() != Protocol.HTTP) {
                errors.add(swarm.location().error("swarm", "entrypoint",
                        "'" + swarm.entrypoint() + "' is a tcp entrypoint (label routes need http)"));
            }
        }
    }
}
