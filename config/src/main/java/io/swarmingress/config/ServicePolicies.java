package io.swarmingress.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a service's resilience settings: retries, outlier detection and active health checks.
 * Apart from {@link ConfigParser} so the parser stays the config's shape at a glance.
 */
final class ServicePolicies {
    private final YamlDocument document;

    ServicePolicies(YamlDocument document) {
        this.document = document;
    }

    /** {@code retries}, {@code retry_on}, {@code retry_budget} of a service; null after an error (reported). */
    RetryPolicy retry(YamlFields f) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        int retries = f.integer("retries", d.retries());
        List<RetryPolicy.On> on = f.scalarList("retry_on", (value, field) -> RetryPolicy.On.fromConfig(value.trim()));
        boolean given = f.has("retry_on");
        int budget = f.integer("retry_budget", d.budgetPercent());
        Set<RetryPolicy.On> set = given ? (on.isEmpty() ? Set.of() : EnumSet.copyOf(on)) : d.on();
        return f.build(() -> new RetryPolicy(retries, set, budget));
    }

    /** {@code outlier_detection: {...}}; the defaults when absent. */
    OutlierPolicy outlier(YamlFields f) {
        OutlierPolicy parsed = f.mapping("outlier_detection", (m, p) -> {
            OutlierPolicy d = OutlierPolicy.DEFAULT;
            YamlFields o = document.fields(m, p);
            int failures = o.integer("consecutive_failures", d.consecutiveFailures());
            int fivexx = o.integer("consecutive_5xx", d.consecutive5xx());
            Duration base = o.duration("base_ejection_time", d.baseEjection());
            Duration max = o.duration("max_ejection_time", d.maxEjection());
            int percent = o.integer("max_ejection_percent", d.maxEjectionPercent());
            o.finish();
            return o.build(() -> new OutlierPolicy(failures, fivexx, base, max, percent));
        });
        return parsed == null ? OutlierPolicy.DEFAULT : parsed;
    }

    /**
     * {@code send_proxy_protocol: v1|v2}, {@code upstream_reuse: shared|per_client} and
     * {@code protocol: http1|h2c}; null after an error (reported).
     */
    UpstreamOptions upstream(YamlFields f) {
        String proxyText = f.string("send_proxy_protocol", null);
        ProxyProtocolVersion proxy = f.convert("send_proxy_protocol", proxyText, ProxyProtocolVersion::fromConfig);
        String reuseText = f.string("upstream_reuse", null);
        UpstreamOptions.Reuse reuse = f.convert("upstream_reuse", reuseText, UpstreamOptions.Reuse::fromConfig);
        String protocolText = f.string("protocol", null);
        UpstreamProtocol protocol = f.convert("protocol", protocolText, UpstreamProtocol::fromConfig);
        if ((proxyText != null && proxy == null) || (reuseText != null && reuse == null)
                || (protocolText != null && protocol == null)) {
            return null;
        }
        return f.build(() -> new UpstreamOptions(proxy, reuse, protocol));
    }

    /** {@code health_check: {path | tcp, interval, timeout, healthy_threshold, unhealthy_threshold}}; null when absent. */
    HealthCheck healthCheck(YamlFields f) {
        return f.mapping("health_check", (m, p) -> {
            YamlFields h = document.fields(m, p);
            String path = h.string("path", null);
            boolean tcp = h.bool("tcp", false);
            Duration interval = h.duration("interval", HealthCheck.DEFAULT_INTERVAL);
            Duration timeout = h.duration("timeout", HealthCheck.DEFAULT_TIMEOUT);
            int healthy = h.integer("healthy_threshold", 1);
            int unhealthy = h.integer("unhealthy_threshold", 2);
            h.finish();
            if (tcp == (path != null)) {
                h.error(h.lineOf("path"), "path", "a health check is either path: /... (HTTP) or tcp: true");
                return null;
            }
            return h.build(() -> new HealthCheck(path, interval, timeout, healthy, unhealthy));
        });
    }
}
