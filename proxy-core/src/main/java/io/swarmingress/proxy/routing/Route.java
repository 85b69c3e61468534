package io.swarmingress.proxy.routing;

import java.util.Map;

import io.netty.util.AsciiString;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.proxy.metrics.RequestMetrics;

/** A compiled route: what it needs at request time, with header names pre-encoded. */
public final class Route {
    private final RouteConfig config;
    private final Service service;
    private final RequestMetrics metrics;
    private final AsciiString[] headerNames;
    private final String[] headerValues;

    Route(RouteConfig config, Service service, RequestMetrics metrics) {
        this.config = config;
        this.service = service;
        this.metrics = metrics;
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

    public Service service() {
        return service;
    }

    public RequestMetrics metrics() {
        return metrics;
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
