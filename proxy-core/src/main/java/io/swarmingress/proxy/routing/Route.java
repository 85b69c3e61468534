package io.swarmingress.proxy.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.util.AsciiString;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.proxy.metrics.RequestMetrics;

/**
 * A compiled route: what it needs at request time, with header names pre-encoded. A route to
 * several services (a canary split) chooses one per request in weighted turns
 * ({@link WeightedTurns}): 90 and 10 send exactly 9 requests in every 10 to the first. A request
 * whose sticky cookie names a present, available endpoint of one of them goes to that one, so a
 * session that landed on the canary stays on it.
 */
public final class Route {
    private final RouteConfig config;
    private final Service[] services;
    private final int[] weights;
    private final RequestMetrics[] metrics;
    /** Null when the route has one service, or its services weigh the same. */
    private final WeightedTurns turns;
    private final int cycle;
    private final AtomicInteger next = new AtomicInteger();
    private final AsciiString[] headerNames;
    private final String[] headerValues;

    /**
     * @param services the route's services, in the order of {@code config.services()}
     * @param metrics where requests to each of them are counted, in the same order
     */
    Route(RouteConfig config, List<Service> services, List<RequestMetrics> metrics) {
        this.config = config;
        this.services = services.toArray(new Service[0]);
        this.metrics = metrics.toArray(new RequestMetrics[0]);
        this.weights = new int[this.services.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = config.services().get(i).weight();
        }
        this.turns = WeightedTurns.of(weights);
        this.cycle = turns == null ? this.services.length : turns.cycle();
        this.headerNames = new AsciiString[config.headers().size()];
        this.headerValues = new String[config.headers().size()];
        int i = 0;
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            headerNames[i] = AsciiString.cached(h.getKey());
            headerValues[i] = h.getValue();
            i++;
        }
    }

    public RouteConfig config() {
        return config;
    }

    /** The route's only service, or the first of those it splits among. */
    public Service service() {
        return services[0];
    }

    /**
     * The service for this request: the only one, or, for a split, the one the request's sticky
     * cookie is stuck to, else the next in weighted turns. A service of weight 0 gets nothing,
     * sessions included: that is how a canary is switched off.
     */
    public Service service(RequestHeaders request, long now) {
        if (services.length == 1) {
            return services[0];
        }
        for (int i = 0; i < services.length; i++) {
            if (weights[i] > 0 && services[i].stuck(request, now)) {
                return services[i];
            }
        }
        int turn = Math.floorMod(next.getAndIncrement(), cycle);
        return services[turns == null ? turn : turns.member(turn)];
    }

    /** Where requests to the route's first service are counted. */
    public RequestMetrics metrics() {
        return metrics[0];
    }

    /** Where requests of this route to {@code service} are counted. */
    public RequestMetrics metrics(Service service) {
        for (int i = 0; i < services.length; i++) {
            if (services[i] == service) {
                return metrics[i];
            }
        }
        return metrics[0];
    }

    String pathPrefix() {
        return config.pathPrefix();
    }

    public int headerCount() {
        return headerNames.length;
    }

    boolean headersMatch(RequestHeaders headers) {
        for (int i = 0; i < headerNames.length; i++) {
            String value = headers.get(headerNames[i]);
            if (value == null || !value.equals(headerValues[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a header this route matched on appears more than once: the route saw the first
     * value, a backend may read another, or all of them joined.
     */
    public boolean conditionRepeated(RequestHeaders headers) {
        for (AsciiString name : headerNames) {
            if (headers.count(name) > 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * The path to send upstream: the matched prefix removed when the route strips it. The path is
     * already canonical (no dot-segments), so what is left cannot climb out of the prefix.
     */
    public String rewritePath(String path) {
        if (!config.stripPrefix()) {
            return path;
        }
        String rest = path.substring(config.pathPrefix().length());
        return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }
}
