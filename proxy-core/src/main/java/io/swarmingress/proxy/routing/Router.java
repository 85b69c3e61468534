package io.swarmingress.proxy.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * Matches a request on one http entrypoint. Precedence: an exact host beats a wildcard, a longer
 * wildcard suffix beats a shorter one, any host-specific route beats a host-less one; within a
 * host, the longest path prefix wins, then the route with more header conditions, then the one
 * declared first. A host whose routes match no path falls through to the next, less specific group.
 */
public final class Router {
    private final Map<String, PathTable> exactHosts;
    /** Keyed by the suffix with its leading dot: {@code *.example.com} is {@code .example.com}. */
    private final Map<String, PathTable> wildcardHosts;
    private final PathTable anyHost;

    Router(List<Route> routes) {
        Map<String, List<Route>> exact = new LinkedHashMap<>();
        Map<String, List<Route>> wildcard = new LinkedHashMap<>();
        List<Route> any = new ArrayList<>();
        for (Route r : routes) {
            String host = r.config().host();
            if (host == null) {
                any.add(r);
            } else if (host.startsWith("*.")) {
                wildcard.computeIfAbsent(host.substring(1), k -> new ArrayList<>()).add(r);
            } else {
                exact.computeIfAbsent(host, k -> new ArrayList<>()).add(r);
            }
        }
        this.exactHosts = tables(exact);
        this.wildcardHosts = tables(wildcard);
        this.anyHost = any.isEmpty() ? null : new PathTable(any);
    }

    private static Map<String, PathTable> tables(Map<String, List<Route>> grouped) {
        Map<String, PathTable> out = new HashMap<>();
        grouped.forEach((host, routes) -> out.put(host, new PathTable(routes)));
        return out;
    }

    /**
     * @param host lower-case host without port, or null when the request had none
     * @param path the request path without the query
     * @return null when nothing matches (404)
     */
    public Route match(String host, String path, RequestHeaders headers) {
        if (host != null) {
            PathTable exact = exactHosts.get(host);
            if (exact != null) {
                Route r = exact.match(path, headers);
                if (r != null) {
                    return r;
                }
            }
            if (!wildcardHosts.isEmpty()) {
                for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                    PathTable wildcard = wildcardHosts.get(host.substring(dot));
                    if (wildcard != null) {
                        Route r = wildcard.match(path, headers);
                        if (r != null) {
                            return r;
                        }
                    }
                }
            }
        }
        return anyHost == null ? null : anyHost.match(path, headers);
    }
}
