package io.swarmingress.proxy.admin;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swarmingress.config.Durations;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * {@code GET /routes}: the live table as plain maps, in config vocabulary, as it was before the
 * versioned API; kept as it is for the scripts that read it. New readers use {@code /api/v1/...}.
 */
final class LegacyRoutes {
    private LegacyRoutes() {
    }

    /** @param nowNanos the monotonic time endpoint states (ejections) are told against */
    static Map<String, Object> describe(RoutingTable table, Map<String, Object> extra, Clock clock, long nowNanos) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generation", table.generation());
        out.put("built_at", table.builtAt().toString());
        out.put("age_seconds", Duration.between(table.builtAt(), clock.instant()).toMillis() / 1000.0);
        out.putAll(extra);
        List<Object> entrypoints = new ArrayList<>();
        for (EntrypointConfig e : table.config().entrypoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("address", e.address().toString());
            m.put("protocol", e.protocol().configName());
            if (e.service() != null) {
                m.put("service", e.service());
            }
            if (e.proxyProtocol()) {
                m.put("proxy_protocol", true);
            }
            if (!e.trustedProxies().isEmpty()) {
                m.put("trusted_proxies", e.trustedProxies().blocks().stream().map(Object::toString).toList());
            }
            entrypoints.add(m);
        }
        out.put("entrypoints", entrypoints);
        List<Object> routes = new ArrayList<>();
        for (RouteConfig r : table.config().routes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("entrypoint", r.entrypoint());
            m.put("host", r.host());
            m.put("path_prefix", r.pathPrefix());
            m.put("headers", Secrets.masked(r.headers()));
            m.put("strip_prefix", r.stripPrefix());
            m.put("service", r.service());
            if (r.split()) {
                m.put("services", r.services().stream().map(w -> Map.of("name", w.name(), "weight", w.weight())).toList());
            }
            m.put("origin", r.location().file() + ":" + r.location().line());
            routes.add(m);
        }
        out.put("routes", routes);
        List<Object> services = new ArrayList<>();
        for (Service s : table.services().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("lb", s.config().lb().configName());
            if (s.config().balancing().hashOn() != null) {
                m.put("hash_on", s.config().balancing().hashOn().configName());
            }
            if (s.config().balancing().sticky() != null) {
                m.put("sticky_cookie", s.config().balancing().sticky().cookie());
            }
            m.put("source", s.config().swarm() == null ? "static" : "swarm:" + s.config().swarm().service());
            m.put("connect_timeout", Durations.format(s.timeouts().connect()));
            m.put("response_timeout", Durations.format(s.timeouts().response()));
            m.put("idle_timeout", Durations.format(s.timeouts().idle()));
            if (s.config().upstream().sendProxyProtocol() != null) {
                m.put("send_proxy_protocol", s.config().upstream().sendProxyProtocol().configName());
            }
            m.put("upstream_reuse", s.config().upstream().reuse().configName());
            List<Object> endpoints = new ArrayList<>();
            for (Endpoint ep : s.endpoints()) {
                endpoints.add(Map.of("address", ep.address().toString(), "active", ep.active(), "state", ep.state(nowNanos),
                        "weight", s.config().balancing().weight(ep.address())));
            }
            m.put("endpoints", endpoints);
            services.add(m);
        }
        out.put("services", services);
        return out;
    }
}
