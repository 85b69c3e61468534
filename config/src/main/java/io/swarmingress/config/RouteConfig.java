package io.swarmingress.config;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A rule on an http entrypoint. Matching and precedence live in the data plane's router; this
 * record only guarantees that what it holds can be matched: a lower-case host that is exact or
 * {@code *.suffix}, a path prefix starting with '/', header names in lower case.
 *
 * @param host null to match any host
 * @param headers header name (lower case) to the exact value required
 * @param stripPrefix whether the matched prefix is removed before the request goes upstream
 * @param services where its requests go: one service, or several that split them by weight
 *                 (written {@code service: a}, or {@code services: [{name: a, weight: 90}, ...]})
 * @param hsts the {@code Strict-Transport-Security} value its responses get on a TLS entrypoint
 *             (replacing the service's own), e.g. {@code max-age=31536000; includeSubDomains};
 *             null for none
 */
public record RouteConfig(String entrypoint, String host, String pathPrefix, Map<String, String> headers,
                          boolean stripPrefix, List<WeightedService> services, Location location, String hsts) {

    private static final Pattern HSTS = Pattern.compile(
            "max-age=[0-9]{1,10}(; ?includeSubDomains)?(; ?preload)?", Pattern.CASE_INSENSITIVE);

    public RouteConfig {
        Names.require("entrypoint", entrypoint);
        if (services == null || services.isEmpty()) {
            throw new InvalidFieldException("service", "is required (service: NAME, or services: [{name: NAME, weight: N}, ...])");
        }
        services = List.copyOf(services);
        Set<String> names = new HashSet<>();
        int total = 0;
        for (WeightedService s : services) {
            if (!names.add(s.name())) {
                throw new InvalidFieldException("services", "'" + s.name() + "' is listed twice");
            }
            total += s.weight();
        }
        if (total == 0) {
            throw new InvalidFieldException("services", "every weight is 0 (expected: at least one above 0)");
        }
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            String bare = host.startsWith("*.") ? host.substring(2) : host;
            if (bare.isEmpty() || bare.contains("*") || bare.startsWith(".") || bare.endsWith(".")) {
                throw new InvalidFieldException("host", "'" + host + "' (expected: an exact host or *.domain)");
            }
            for (int i = 0; i < bare.length(); i++) {
                char c = bare.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                    throw new InvalidFieldException("host", "'" + host + "' has the character '" + c + "'");
                }
            }
        }
        if (pathPrefix == null) {
            pathPrefix = "/";
        }
        if (!pathPrefix.startsWith("/")) {
            throw new InvalidFieldException("path_prefix", "'" + pathPrefix + "' (expected: starts with '/')");
        }
        String notCanonical = notCanonical(pathPrefix);
        if (notCanonical != null) {
            // Requests are matched by their canonical path, so a prefix in any other form could never match.
            throw new InvalidFieldException("path_prefix", "'" + pathPrefix + "' " + notCanonical);
        }
        if (stripPrefix && pathPrefix.equals("/")) {
            throw new InvalidFieldException("strip_prefix", "has nothing to strip when path_prefix is '/'");
        }
        Map<String, String> lower = new TreeMap<>();
        for (Map.Entry<String, String> h : (headers == null ? Map.<String, String>of() : headers).entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || h.getValue() == null) {
                throw new InvalidFieldException("headers", "a header needs a name and a value");
            }
            lower.put(name, h.getValue());
        }
        headers = Map.copyOf(lower);
        if (location == null) {
            location = Location.NONE;
        }
        if (hsts != null && !HSTS.matcher(hsts).matches()) {
            throw new InvalidFieldException("hsts", "'" + hsts + "' (expected: max-age=SECONDS, then optionally "
                    + "'; includeSubDomains' and '; preload', e.g. max-age=31536000; includeSubDomains)");
        }
    }

    /** A route without HSTS (the shape before TLS existed). */
    public RouteConfig(String entrypoint, String host, String pathPrefix, Map<String, String> headers, boolean stripPrefix,
                       List<WeightedService> services, Location location) {
        this(entrypoint, host, pathPrefix, headers, stripPrefix, services, location, null);
    }

    /** A route to one service. */
    public RouteConfig(String entrypoint, String host, String pathPrefix, Map<String, String> headers, boolean stripPrefix,
                       String service, Location location, String hsts) {
        this(entrypoint, host, pathPrefix, headers, stripPrefix, single(service), location, hsts);
    }

    /** @return null when the path is in the canonical form requests are matched in, else what is wrong */
    private static String notCanonical(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '%' || c == '\\' || c == '?' || c == '#') {
                return "has the character '" + c + "' (expected: a plain path, without escapes, query or fragment)";
            }
        }
        if (path.contains("//")) {
            return "has an empty segment";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return "has a dot-segment";
            }
        }
        return null;
    }

    /** A route to one service, without HSTS. */
    public RouteConfig(String entrypoint, String host, String pathPrefix, Map<String, String> headers, boolean stripPrefix,
                       String service, Location location) {
        this(entrypoint, host, pathPrefix, headers, stripPrefix, single(service), location, null);
    }

    private static List<WeightedService> single(String service) {
        try {
            return List.of(new WeightedService(service, 1));
        } catch (InvalidFieldException e) {
            throw new InvalidFieldException("service", e.getMessage());
        }
    }

    /** The route's only service, or the first of those it splits among. */
    public String service() {
        return services.get(0).name();
    }

    /** Whether it splits its requests among several services. */
    public boolean split() {
        return services.size() > 1;
    }

    /** The same route to other services (label routes of two weighted services merge into one). */
    public RouteConfig withServices(List<WeightedService> s) {
        return new RouteConfig(entrypoint, host, pathPrefix, headers, stripPrefix, s, location);
    }

    public static RouteConfig of(String entrypoint, String host, String pathPrefix, String service) {
        return new RouteConfig(entrypoint, host, pathPrefix, Map.of(), false, service, Location.NONE);
    }
}
