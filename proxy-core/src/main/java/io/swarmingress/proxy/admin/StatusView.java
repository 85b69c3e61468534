package io.swarmingress.proxy.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.swarmingress.config.ConfigError;

/**
 * {@code GET /api/v1/discovery}, {@code /api/v1/reloads} and {@code /api/v1/traffic}: how Swarm
 * discovery is doing, what came of the last config loads, and the charts' history.
 */
final class StatusView {
    private StatusView() {
    }

    /** @param status null when the config has no {@code swarm:} section */
    static Map<String, Object> discovery(DiscoveryStatus status, Instant now) {
        Map<String, Object> out = Json.versioned();
        out.put("enabled", status != null);
        if (status == null) {
            return out;
        }
        out.put("managers", status.managers().stream().map(Secrets::withoutUserInfo).toList());
        out.put("tls", status.tls());
        out.put("active_manager", status.activeManager() == null ? null : Secrets.withoutUserInfo(status.activeManager()));
        Instant last = status.lastSuccess();
        out.put("last_success", last == null ? null : last.toString());
        // Stale data keeps serving while no manager answers; this says how stale.
        out.put("age_seconds", last == null ? null : Json.number(Duration.between(last, now).toMillis() / 1000.0));
        Map<String, Object> events = new LinkedHashMap<>();
        events.put("state", status.eventStream() == null ? "reconnecting" : "connected");
        events.put("manager", status.eventStream() == null ? null : Secrets.withoutUserInfo(status.eventStream()));
        out.put("event_stream", events);
        out.put("resync_interval_seconds", Json.number(status.resyncInterval().toMillis() / 1000.0));
        out.put("services", status.snapshot().endpoints().size());
        out.put("label_routes", status.snapshot().routes().size());
        out.put("warnings", status.snapshot().warnings());
        return out;
    }

    static Map<String, Object> reloads(ReloadHistory history) {
        Map<String, Object> out = Json.versioned();
        out.put("successes", history.successes());
        out.put("failures", history.failures());
        List<Object> list = new ArrayList<>();
        for (ReloadHistory.Reload r : history.newestFirst()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", r.at().toString());
            m.put("trigger", r.trigger().name().toLowerCase(Locale.ROOT));
            m.put("file", r.file());
            m.put("result", r.success() ? "success" : "failure");
            m.put("generation", r.success() ? r.generation() : null);
            List<Object> errors = new ArrayList<>();
            for (ConfigError e : r.errors()) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("file", e.file());
                em.put("line", e.line());
                em.put("field", e.field());
                em.put("message", e.message());
                em.put("text", e.toString());
                errors.add(em);
            }
            m.put("errors", errors);
            m.put("message", r.message());
            list.add(m);
        }
        out.put("reloads", list);
        return out;
    }

    /** The points after {@code sinceMillis}: one time axis, and per service one array per figure. */
    static Map<String, Object> traffic(TrafficHistory history, long sinceMillis, long intervalMillis, long nowMillis) {
        Map<String, Object> out = Json.versioned();
        out.put("interval_seconds", Json.number(intervalMillis / 1000.0));
        out.put("capacity", history.capacity());
        out.put("now", nowMillis);
        out.put("t", history.timesSince(sinceMillis));
        Map<String, Object> services = new LinkedHashMap<>();
        history.since(sinceMillis).forEach((name, points) -> {
            List<Double> rps = new ArrayList<>(points.size());
            List<Double> errors = new ArrayList<>(points.size());
            List<Double> p99 = new ArrayList<>(points.size());
            for (TrafficHistory.Point p : points) {
                rps.add(Json.number(p.requestsPerSecond()));
                errors.add(Json.number(p.errorRate()));
                p99.add(Json.number(p.p99Seconds()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("requests_per_second", rps);
            m.put("error_rate", errors);
            m.put("p99_seconds", p99);
            services.put(name, m);
        });
        out.put("services", services);
        return out;
    }
}
