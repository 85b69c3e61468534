package io.swarmingress.discovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;

/**
 * What Swarm says right now, immutable, handed whole to the proxy so that it never sees half an
 * update.
 *
 * @param endpoints endpoints by proxy service name: a file service under its config name, a
 *                  labelled service under its Swarm service name; an empty list is a service that
 *                  exists but has no running task (503), never the result of an API error. These
 *                  are the endpoints to route to, fallbacks included.
 * @param fallbacks by service name, those of its {@link #endpoints()} that are fallbacks: tasks
 *                  Swarm has told to stop whose containers still run, kept while the service has
 *                  fewer ready tasks than it wants (a reschedule after a node missed its
 *                  heartbeats, a stop-first update, a drain; the rule is in {@code TaskEndpoints}).
 *                  The data plane may prefer the other, ready, endpoints; a fallback may also be
 *                  dead (a node that is down). A service without fallbacks has no entry.
 * @param services services declared by labels ({@code ingress.enable=true}), sorted by name
 * @param routes routes declared by labels, each naming one of {@link #services()}
 * @param warnings what discovery could not use, in words for /routes and the log (sorted)
 * @param lastSuccess when the read that produced this snapshot ended; null only for {@link #EMPTY}
 * @param tasks the Swarm task behind each endpoint address, for people (the dashboard); routing
 *              never reads it, so it is left out of {@link #sameContent}
 * @param labels the labels of each of {@link #services()}, by service name: where its routes came
 *               from, for people; values are as Swarm has them (a reader that shows them masks
 *               secrets); left out of {@link #sameContent} like {@code tasks}
 */
public record DiscoverySnapshot(Map<String, List<HostPort>> endpoints, Map<String, Set<HostPort>> fallbacks,
                                List<ServiceConfig> services, List<RouteConfig> routes, List<String> warnings,
                                Instant lastSuccess, Map<HostPort, TaskRef> tasks, Map<String, Map<String, String>> labels) {

    /** Before the first successful read. */
    public static final DiscoverySnapshot EMPTY = new DiscoverySnapshot(Map.of(), List.of(), List.of(), List.of(), null);

    /**
     * @throws IllegalArgumentException if a fallback is not among its service's endpoints
     */
    public DiscoverySnapshot {
        Map<String, List<HostPort>> sorted = new TreeMap<>();
        endpoints.forEach((name, list) -> sorted.put(name, List.copyOf(list)));
        endpoints = Collections.unmodifiableMap(sorted);
        Map<String, Set<HostPort>> marked = new TreeMap<>();
        for (Map.Entry<String, Set<HostPort>> e : fallbacks.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue; // no entry rather than an empty one: equal state, equal snapshot
            }
            List<HostPort> of = endpoints.getOrDefault(e.getKey(), List.of());
            for (HostPort h : e.getValue()) {
                if (!of.contains(h)) {
                    throw new IllegalArgumentException("fallbacks of '" + e.getKey() + "': " + h
                            + " (expected: one of its endpoints " + of + ")");
                }
            }
            marked.put(e.getKey(), Collections.unmodifiableSet(new LinkedHashSet<>(e.getValue())));
        }
        fallbacks = Collections.unmodifiableMap(marked);
        services = List.copyOf(services);
        routes = List.copyOf(routes);
        warnings = List.copyOf(warnings);
        tasks = Map.copyOf(tasks);
        Map<String, Map<String, String>> byService = new TreeMap<>();
        labels.forEach((name, l) -> byService.put(name, Collections.unmodifiableMap(new TreeMap<>(l))));
        labels = Collections.unmodifiableMap(byService);
    }

    /** A snapshot without task references or labels (the shape before the dashboard). */
    public DiscoverySnapshot(Map<String, List<HostPort>> endpoints, Map<String, Set<HostPort>> fallbacks,
                             List<ServiceConfig> services, List<RouteConfig> routes, List<String> warnings,
                             Instant lastSuccess) {
        this(endpoints, fallbacks, services, routes, warnings, lastSuccess, Map.of(), Map.of());
    }

    /** A snapshot without fallbacks. */
    public DiscoverySnapshot(Map<String, List<HostPort>> endpoints, List<ServiceConfig> services,
                             List<RouteConfig> routes, List<String> warnings, Instant lastSuccess) {
        this(endpoints, Map.of(), services, routes, warnings, lastSuccess);
    }

    /** The task behind an endpoint address; null when unknown (a file endpoint, or before the dashboard's fields). */
    public TaskRef task(HostPort endpoint) {
        return tasks.get(endpoint);
    }

    /** The endpoints of one service, fallbacks included; empty when the service is unknown. */
    public List<HostPort> endpoints(String service) {
        return endpoints.getOrDefault(service, List.of());
    }

    /** Which endpoints of one service are fallbacks; empty when none (or the service is unknown). */
    public Set<HostPort> fallbacks(String service) {
        return fallbacks.getOrDefault(service, Set.of());
    }

    /** The endpoints of one service that are not fallbacks: its ready tasks, in endpoint order. */
    public List<HostPort> readyEndpoints(String service) {
        Set<HostPort> f = fallbacks(service);
        if (f.isEmpty()) {
            return endpoints(service);
        }
        List<HostPort> out = new ArrayList<>(endpoints(service));
        out.removeAll(f);
        return Collections.unmodifiableList(out);
    }

    /**
     * Equal in everything the proxy routes on; the time of the read, the tasks behind the
     * addresses and the labels (shown, not routed on) do not count as a change.
     */
    public boolean sameContent(DiscoverySnapshot other) {
        return other != null && endpoints.equals(other.endpoints) && fallbacks.equals(other.fallbacks)
                && services.equals(other.services) && routes.equals(other.routes) && warnings.equals(other.warnings);
    }

    /**
     * The file's config with this snapshot's label services and routes added after its own: the
     * config a routing table is built from, with {@link #endpoints()} as the discovered endpoints.
     * With discovery made by {@link SwarmDiscovery#forConfig} this never fails: label routes that
     * would clash with the file were already dropped (and reported in {@link #warnings()}).
     *
     * @throws io.swarmingress.config.ConfigException if the merged config is not valid
     */
    public IngressConfig mergeInto(IngressConfig file) {
        if (services.isEmpty() && routes.isEmpty()) {
            return file;
        }
        List<RouteConfig> allRoutes = new ArrayList<>(file.routes());
        allRoutes.addAll(routes);
        List<ServiceConfig> allServices = new ArrayList<>(file.services());
        allServices.addAll(services);
        return new IngressConfig(file.entrypoints(), allRoutes, allServices, file.admin(), file.ioThreads(),
                file.shutdownGrace(), file.location(), file.swarm(), file.shutdownDelay());
    }
}
