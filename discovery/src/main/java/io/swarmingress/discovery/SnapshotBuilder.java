package io.swarmingress.discovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.swarmingress.config.Balancing;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.WeightedService;

/**
 * Turns what was read from Swarm into a {@link DiscoverySnapshot}. A pure function of its input,
 * so that equal Swarm state gives an equal snapshot (which is how no-op changes are dropped) and
 * so that its cost can be measured without a swarm.
 *
 * <p>Precedence on conflict, each conflict reported as a warning: a file service beats a labelled
 * service of the same name and a file route beats a label route on the same entrypoint, host and
 * path (the file is what an operator wrote on purpose); between two labelled services whose routes
 * match the same entrypoint, host and path, the service whose name sorts first keeps the route,
 * unless both carry a {@code weight} label (and agree on {@code http.strip_prefix}): then they
 * share it, each in proportion to its weight (a canary).
 * A label route on an entrypoint that is not an http entrypoint of the config is dropped, so that
 * merging label routes into the config can never make it invalid.
 */
final class SnapshotBuilder {
    private final SwarmProviderConfig provider;
    private final List<ServiceConfig> swarmFileServices;
    private final Set<String> fileServiceNames = new HashSet<>();
    private final Set<String> referenced = new HashSet<>();
    private final String enableLabel;
    private final Set<String> fileRouteKeys = new HashSet<>();
    private final Set<String> httpEntrypoints;
    private final LabelBalancing balancingLabels;
    /** The http entrypoints that terminate TLS, and the tcp ones that pass it through, for ingress.tls and ingress.tls.passthrough. */
    private final Set<String> tlsEntrypoints;
    private final Set<String> passthroughEntrypoints;

    /**
     * @param fileServices every service of the config file: those with a {@code swarm:} reference
     *                     are resolved, the names of the others only guard against conflicts
     */
    SnapshotBuilder(SwarmProviderConfig provider, List<ServiceConfig> fileServices) {
        this(provider, fileServices, List.of(), null);
    }

    /**
     * @param fileRoutes routes of the config file: a label route matching the same entrypoint,
     *                   host and path is dropped (the file wins)
     * @param httpEntrypoints the http entrypoints a label route may use; null when unknown (no check)
     */
    SnapshotBuilder(SwarmProviderConfig provider, List<ServiceConfig> fileServices, List<RouteConfig> fileRoutes,
                    Set<String> httpEntrypoints) {
        this(provider, fileServices, fileRoutes, httpEntrypoints, Set.of(), Set.of());
    }

    SnapshotBuilder(SwarmProviderConfig provider, List<ServiceConfig> fileServices, List<RouteConfig> fileRoutes,
                    Set<String> httpEntrypoints, Set<String> tlsEntrypoints, Set<String> passthroughEntrypoints) {
        this.provider = provider;
        this.tlsEntrypoints = Set.copyOf(tlsEntrypoints);
        this.passthroughEntrypoints = Set.copyOf(passthroughEntrypoints);
        for (RouteConfig r : fileRoutes) {
            fileRouteKeys.add(routeKey(r));
        }
        this.httpEntrypoints = httpEntrypoints == null ? null : Set.copyOf(httpEntrypoints);
        List<ServiceConfig> swarm = new ArrayList<>();
        for (ServiceConfig s : fileServices) {
            fileServiceNames.add(s.name());
            if (s.swarm() != null) {
                swarm.add(s);
                referenced.add(s.swarm().service());
            }
        }
        this.swarmFileServices = List.copyOf(swarm);
        this.enableLabel = provider.label("enable");
        this.balancingLabels = new LabelBalancing(provider::label);
    }

    /**
     * For a whole config: its {@code swarm:} section, its services, and its routes and http
     * entrypoints, so that the label routes of every snapshot can be added to this config without
     * making it invalid.
     */
    static SnapshotBuilder forConfig(IngressConfig config) {
        if (config.swarm() == null) {
            throw new IllegalArgumentException("the config has no swarm: section");
        }
        Set<String> http = new HashSet<>();
        Set<String> tls = new HashSet<>();
        Set<String> passthrough = new HashSet<>();
        for (EntrypointConfig e : config.entrypoints()) {
            if (e.protocol() == Protocol.HTTP) {
                http.add(e.name());
                if (e.terminatesTls()) {
                    tls.add(e.name());
                }
            } else if (e.tlsPassthrough()) {
                passthrough.add(e.name());
            }
        }
        return new SnapshotBuilder(config.swarm(), config.services(), config.routes(), http, tls, passthrough);
    }

    /** Whether routing needs this service's tasks: named by the file, or labelled for routing. */
    boolean relevant(SwarmService s) {
        return referenced.contains(s.name()) || labelled(s);
    }

    private boolean labelled(SwarmService s) {
        return provider.labels() && "true".equalsIgnoreCase(s.labels().getOrDefault(enableLabel, "").trim());
    }

    DiscoverySnapshot build(Collection<SwarmService> services, Instant readAt) {
        Map<String, SwarmService> byName = new HashMap<>();
        for (SwarmService s : services) {
            byName.put(s.name(), s);
        }
        Map<String, List<HostPort>> endpoints = new TreeMap<>();
        Map<String, Set<HostPort>> fallbacks = new TreeMap<>();
        Map<HostPort, TaskRef> tasks = new HashMap<>();
        Set<String> warnings = new TreeSet<>();

        for (ServiceConfig fs : swarmFileServices) {
            SwarmServiceRef ref = fs.swarm();
            SwarmService s = byName.get(ref.service());
            if (s == null) {
                endpoints.put(fs.name(), List.of());
                warnings.add("service '" + fs.name() + "': Swarm service '" + ref.service() + "' does not exist");
                continue;
            }
            String network = ref.network() != null ? ref.network() : provider.network();
            put(fs.name(), TaskEndpoints.of(s, network, ref.port(), "service '" + fs.name() + "' (Swarm service '"
                    + s.name() + "')", "services[].swarm.network or swarm.network", warnings, tasks), endpoints, fallbacks);
        }

        List<SwarmService> labelled = new ArrayList<>();
        for (SwarmService s : services) {
            if (labelled(s)) {
                labelled.add(s);
            }
        }
        labelled.sort(Comparator.comparing(SwarmService::name));
        List<ServiceConfig> labelServices = new ArrayList<>();
        Map<String, Map<String, String>> labels = new HashMap<>();
        List<RouteConfig> labelRoutes = new ArrayList<>();
        // Route key to the index of its route in labelRoutes; keys whose first service has a weight label.
        Map<String, Integer> routeOwners = new HashMap<>();
        Set<String> weightedKeys = new HashSet<>();
        for (SwarmService s : labelled) {
            String who = "swarm service '" + s.name() + "'";
            if (fileServiceNames.contains(s.name())) {
                warnings.add(who + ": its labels are ignored because the config file declares a service of the same"
                        + " name (the file wins)");
                continue;
            }
            ServiceLabels read = new ServiceLabels(provider, s.labels());
            read.unknown().forEach(p -> warnings.add(who + ": " + p));
            Location origin = Location.of("swarm service " + s.name() + " labels");
            String portText = read.value("port");
            if (portText == null) {
                warnings.add(who + ": label " + provider.label("port") + " is missing (Swarm has no port detection)");
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                warnings.add(who + ": label " + provider.label("port") + "='" + portText + "' (expected: 1-65535)");
                continue;
            }
            String lbText = read.value("lb");
            LbPolicy lb;
            try {
                lb = lbText == null ? LbPolicy.ROUND_ROBIN : LbPolicy.fromConfig(lbText);
            } catch (IllegalArgumentException e) {
                warnings.add(who + ": label " + provider.label("lb") + "=" + e.getMessage());
                continue;
            }
            List<String> problems = new ArrayList<>();
            LabelPolicies.Policies policies = LabelPolicies.read(provider, s.labels(), problems);
            if (policies == null) {
                problems.forEach(p -> warnings.add(who + ": " + p));
                continue;
            }
            String labelNetwork = read.value("network");
            String network = labelNetwork != null ? labelNetwork : provider.network();
            LabelBalancing.Read<Balancing> balancing = balancingLabels.balancing(s.labels());
            LabelBalancing.Read<Integer> weight = balancingLabels.weight(s.labels());
            if (balancing.problem() != null || weight.problem() != null) {
                warnings.add(who + ": " + (balancing.problem() != null ? balancing.problem() : weight.problem()));
                continue;
            }
            ServiceConfig service;
            try {
                service = new ServiceConfig(s.name(), lb, policies.timeouts(), List.of(),
                        new SwarmServiceRef(s.name(), port, network), origin, policies.retry(), policies.outlier(),
                        policies.healthCheck()).withBalancing(balancing.value()).withUpstream(policies.upstream());
            } catch (IllegalArgumentException e) {
                boolean hashOn = e instanceof io.swarmingress.config.InvalidFieldException
                        && ((io.swarmingress.config.InvalidFieldException) e).field().equals("hash_on");
                warnings.add(who + ": " + (hashOn ? "label " + provider.label("hash_on") + ": " : "") + e.getMessage());
                continue;
            }
            labelServices.add(service);
            labels.put(s.name(), s.labels());
            put(s.name(), TaskEndpoints.of(s, network, port, who, "label " + provider.label("network")
                    + " or swarm.network", warnings, tasks), endpoints, fallbacks);

            String host = read.value("http.host");
            String path = read.value("http.path");
            if (host == null && path == null) {
                continue; // reachable through file routes that name it
            }
            String entrypointLabel = read.value("entrypoint");
            boolean passthrough = read.isTrue("tls.passthrough");
            boolean tls = read.isTrue("tls");
            String entrypoint = entrypointLabel != null ? entrypointLabel
                    : passthrough ? only(passthroughEntrypoints) : tls ? only(tlsEntrypoints) : provider.entrypoint();
            if (entrypoint == null) {
                warnings.add(who + ": no route, because " + (passthrough ? "the config has no single tls_passthrough entrypoint and label "
                        + provider.label("entrypoint") + " names none" : tls ? "the config has no single http entrypoint with tls: and label "
                        + provider.label("entrypoint") + " names none" : "neither label " + provider.label("entrypoint")
                        + " nor swarm.entrypoint names an entrypoint"));
                continue;
            }
            if (passthrough && !passthroughEntrypoints.contains(entrypoint)) {
                warnings.add(who + ": no route, because label " + provider.label("tls.passthrough") + " needs a tcp entrypoint with "
                        + "tls_passthrough: true and '" + entrypoint + "' is not one");
                continue;
            }
            if (passthrough && (host == null || path != null)) {
                warnings.add(who + ": no route, because a passthrough route matches the TLS server name only: label "
                        + provider.label("http.host") + " is required and " + provider.label("http.path") + " is not allowed");
                continue;
            }
            if (!passthrough && httpEntrypoints != null && !httpEntrypoints.contains(entrypoint)) {
                warnings.add(who + ": no route, because '" + entrypoint + "' is not an http entrypoint of the config");
                continue;
            }
            if (tls && !passthrough && httpEntrypoints != null && !tlsEntrypoints.contains(entrypoint)) {
                warnings.add(who + ": no route, because label " + provider.label("tls") + "=true needs an entrypoint with tls: and '"
                        + entrypoint + "' has none");
                continue;
            }
            boolean strip = read.isTrue("http.strip_prefix");
            if (weight.value() != null && weight.value() == 0) {
                warnings.add(who + ": no route, because label " + provider.label("weight") + " is 0 (no share of any route)");
                continue;
            }
            RouteConfig route;
            try {
                route = weight.value() == null ? new RouteConfig(entrypoint, host, path, Map.of(), strip, s.name(), origin)
                        : new RouteConfig(entrypoint, host, path, Map.of(), strip,
                                List.of(new WeightedService(s.name(), weight.value())), origin);
            } catch (IllegalArgumentException e) {
                String field = e instanceof io.swarmingress.config.InvalidFieldException
                        ? ((io.swarmingress.config.InvalidFieldException) e).field() : "";
                String labelName = field.equals("host") ? "http.host" : field.equals("path_prefix") ? "http.path"
                        : field.equals("strip_prefix") ? "http.strip_prefix" : field;
                warnings.add(who + ": no route: " + (labelName.isEmpty() ? "" : "label " + provider.label(labelName)
                        + " ") + e.getMessage());
                continue;
            }
            String key = routeKey(route);
            if (fileRouteKeys.contains(key)) {
                warnings.add(who + ": no route, because a route of the config file already matches host "
                        + (route.host() == null ? "*" : route.host()) + " path " + route.pathPrefix() + " on entrypoint "
                        + route.entrypoint() + " (the file wins)");
                continue;
            }
            Integer owner = routeOwners.get(key);
            if (owner != null) {
                RouteConfig owned = labelRoutes.get(owner);
                if (weight.value() != null && weightedKeys.contains(key) && owned.stripPrefix() == route.stripPrefix()) {
                    // Two services that both say their weight share the route: a canary split.
                    List<WeightedService> split = new ArrayList<>(owned.services());
                    split.addAll(route.services());
                    labelRoutes.set(owner, owned.withServices(split));
                    continue;
                }
                warnings.add(who + ": no route, because swarm service '" + owned.service() + "' already routes host "
                        + (route.host() == null ? "*" : route.host()) + " path " + route.pathPrefix() + " on entrypoint "
                        + route.entrypoint() + " (the first name in sort order wins)" + (weight.value() == null ? ""
                        : "; both need " + provider.label("weight") + " and the same " + provider.label("http.strip_prefix")
                        + " to split it"));
                continue;
            }
            routeOwners.put(key, labelRoutes.size());
            if (weight.value() != null) {
                weightedKeys.add(key);
            }
            labelRoutes.add(route);
        }
        return new DiscoverySnapshot(endpoints, fallbacks, labelServices, labelRoutes, new ArrayList<>(warnings), readAt,
                tasks, labels);
    }

    private static void put(String name, TaskEndpoints.Chosen chosen, Map<String, List<HostPort>> endpoints,
                            Map<String, Set<HostPort>> fallbacks) {
        endpoints.put(name, chosen.all());
        if (!chosen.fallbacks().isEmpty()) {
            fallbacks.put(name, new LinkedHashSet<>(chosen.fallbacks()));
        }
    }

    /** What two routes must share to be a conflict; headers are left out on purpose (labels set none). */
    private static String routeKey(RouteConfig r) {
        return r.entrypoint() + " " + (r.host() == null ? "*" : r.host()) + " " + r.pathPrefix();
    }

    /** The one name of a set, or null when it has none or several. */
    private static String only(Set<String> names) {
        return names.size() == 1 ? names.iterator().next() : null;
    }
}
