package io.swarmingress.proxy.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swarmingress.config.ServiceConfig;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.discovery.TaskRef;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * {@code GET /api/v1/services}: each service of the live table with its endpoints (address, the
 * Swarm task and node behind it, state, requests in flight) and its latest traffic (requests per
 * second, share of 5xx, p99 over the last sample interval). The endpoints that left the service
 * but still finish requests are listed after the others, as draining, until their last one ends.
 */
final class ServicesView {
    private ServicesView() {
    }

    /**
     * @param known the tasks last seen behind endpoints discovery no longer lists (draining ones)
     * @param nowNanos the data plane's clock, which endpoint ejections are timed by
     * @param traffic each service's latest sampled point
     */
    static Map<String, Object> of(RoutingTable table, DiscoverySnapshot snapshot, KnownTasks known, long nowNanos,
                                  Map<String, TrafficHistory.Point> traffic) {
        Map<String, Object> out = Json.versioned();
        out.put("generation", table.generation());
        List<Service> services = new ArrayList<>(table.services().values());
        services.sort(Comparator.comparing(Service::name));
        List<Object> list = new ArrayList<>();
        for (Service s : services) {
            list.add(service(s, snapshot, known, nowNanos, traffic.get(s.name())));
        }
        out.put("services", list);
        TrafficHistory.Point unrouted = traffic.get(RoutingTable.NO_SERVICE);
        out.put("unrouted", unrouted == null ? null : traffic(unrouted));
        return out;
    }

    private static Map<String, Object> service(Service s, DiscoverySnapshot snapshot, KnownTasks known, long nowNanos,
                                               TrafficHistory.Point point) {
        ServiceConfig c = s.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("lb", c.lb().configName());
        if (c.swarm() != null) {
            m.put("swarm_service", c.swarm().service());
        }
        if (snapshot.services().contains(c)) {
            Map<String, Object> origin = new LinkedHashMap<>();
            origin.put("kind", "labels");
            origin.put("swarm_service", c.swarm().service());
            m.put("origin", origin);
        } else {
            m.put("origin", Json.origin(c.location()));
        }
        m.put("health_check", c.healthCheck() == null ? null : c.healthCheck().path());
        int inFlight = 0;
        int available = 0;
        List<Object> endpoints = new ArrayList<>();
        List<Endpoint> shown = new ArrayList<>(s.endpoints());
        for (Endpoint e : s.draining()) {
            if (e.active() > 0) {
                shown.add(e); // left the service, still finishing requests: "draining"
            }
        }
        for (Endpoint e : shown) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("address", e.address().toString());
            em.put("state", e.state(nowNanos));
            em.put("in_flight", e.active());
            TaskRef task = c.swarm() == null ? null : known.task(snapshot, e.address());
            em.put("task_id", task == null ? null : task.taskId());
            em.put("node_id", task == null ? null : task.nodeId());
            endpoints.add(em);
            inFlight += e.active();
            if (!e.removed() && e.available(nowNanos)) {
                available++;
            }
        }
        m.put("in_flight", inFlight);
        m.put("endpoints_available", available);
        m.put("traffic", point == null ? null : traffic(point));
        m.put("endpoints", endpoints);
        return m;
    }

    private static Map<String, Object> traffic(TrafficHistory.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", p.atMillis());
        m.put("requests_per_second", Json.number(p.requestsPerSecond()));
        m.put("error_rate", Json.number(p.errorRate()));
        m.put("p99_seconds", Json.number(p.p99Seconds()));
        return m;
    }
}
