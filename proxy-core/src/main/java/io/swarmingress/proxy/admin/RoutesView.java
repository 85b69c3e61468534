package io.swarmingress.proxy.admin;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * {@code GET /api/v1/routes}: the entrypoints (what they speak, where they listen, connections
 * open), the routes with their matchers and where each came from (a line of the config file, or
 * the labels of a Swarm service), the conflicts between them and discovery's warnings.
 */
final class RoutesView {
    private RoutesView() {
    }

    /**
     * @param snapshot discovery's current snapshot (label routes, their labels, warnings); EMPTY without discovery
     * @param open client connections open, by entrypoint
     */
    static Map<String, Object> of(RoutingTable table, DiscoverySnapshot snapshot, Function<String, InetSocketAddress> listening,
                                  Map<String, Integer> open) {
        Map<String, Object> out = Json.versioned();
        out.put("generation", table.generation());
        out.put("built_at", table.builtAt().toString());
        out.put("entrypoints", entrypoints(table, listening, open));
        List<Object> routes = new ArrayList<>();
        for (RouteConfig r : table.config().routes()) {
            routes.add(route(r, snapshot));
        }
        out.put("routes", routes);
        List<String> conflicts = new ArrayList<>(shadowed(table.config().routes()));
        List<String> warnings = new ArrayList<>();
        for (String w : snapshot.warnings()) {
            (isConflict(w) ? conflicts : warnings).add(w);
        }
        out.put("conflicts", conflicts);
        out.put("warnings", warnings);
        return out;
    }

    private static List<Object> entrypoints(RoutingTable table, Function<String, InetSocketAddress> listening,
                                            Map<String, Integer> open) {
        Map<String, Integer> routeCounts = new HashMap<>();
        for (RouteConfig r : table.config().routes()) {
            routeCounts.merge(r.entrypoint(), 1, Integer::sum);
        }
        List<Object> out = new ArrayList<>();
        for (EntrypointConfig e : table.config().entrypoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("address", e.address().toString());
            InetSocketAddress bound = listening.apply(e.name());
            m.put("listening", bound == null ? null : bound.getAddress().getHostAddress() + ":" + bound.getPort());
            m.put("protocol", e.protocol().configName());
            // Whether it terminates TLS, or passes TLS through by server name; never a certificate's or key's path.
            m.put("tls", e.tls() != null);
            m.put("tls_passthrough", e.tlsPassthrough());
            m.put("proxy_protocol", e.proxyProtocol());
            m.put("open_connections", open.getOrDefault(e.name(), 0));
            m.put("max_connections", e.limits().maxConnections());
            if (e.protocol() == Protocol.TCP) {
                m.put("service", e.service());
            } else {
                m.put("routes", routeCounts.getOrDefault(e.name(), 0));
            }
            m.put("origin", Json.origin(e.location()));
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> route(RouteConfig r, DiscoverySnapshot snapshot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("entrypoint", r.entrypoint());
        m.put("host", r.host());
        m.put("path_prefix", r.pathPrefix());
        m.put("headers", Secrets.masked(r.headers()));
        m.put("strip_prefix", r.stripPrefix());
        m.put("service", r.service());
        if (snapshot.routes().contains(r)) {
            Map<String, Object> origin = new LinkedHashMap<>();
            origin.put("kind", "labels");
            origin.put("swarm_service", r.service());
            origin.put("labels", Secrets.masked(snapshot.labels().getOrDefault(r.service(), Map.of())));
            m.put("origin", origin);
        } else {
            m.put("origin", Json.origin(r.location()));
        }
        return m;
    }

    /**
     * Routes that can never match: an earlier route of the same entrypoint has the same host, path
     * prefix and header conditions, and the router takes the one declared first.
     */
    static List<String> shadowed(List<RouteConfig> routes) {
        Map<String, RouteConfig> first = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (RouteConfig r : routes) {
            String key = r.entrypoint() + " " + r.host() + " " + r.pathPrefix() + " " + new java.util.TreeMap<>(r.headers());
            RouteConfig winner = first.putIfAbsent(key, r);
            if (winner != null) {
                out.add("route at " + where(r.location()) + " to service '" + r.service() + "' never matches: the route at "
                        + where(winner.location()) + " to service '" + winner.service() + "' matches the same host "
                        + (r.host() == null ? "*" : r.host()) + ", path " + r.pathPrefix() + " and headers on entrypoint "
                        + r.entrypoint() + " and comes first");
            }
        }
        return out;
    }

    /**
     * Discovery's warnings about a label route it dropped because another route matches the same
     * requests end with who won: "(the file wins)", "(the first name in sort order wins)".
     */
    static boolean isConflict(String warning) {
        return warning.endsWith(" wins)");
    }

    private static String where(Location l) {
        return l.line() > 0 ? l.file() + ":" + l.line() : l.file();
    }
}
