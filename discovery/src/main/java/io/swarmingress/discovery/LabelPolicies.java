package io.swarmingress.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.swarmingress.config.Durations;
import io.swarmingress.config.HealthCheck;
import io.swarmingress.config.InvalidFieldException;
import io.swarmingress.config.OutlierPolicy;
import io.swarmingress.config.RetryPolicy;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.Timeouts;
import io.swarmingress.config.UpstreamOptions;
import io.swarmingress.config.UpstreamProtocol;

/**
 * The resilience settings of a labelled service, from its labels: what a file service sets with
 * the same names, so a service deployed with labels alone can have zero failed requests too.
 * <ul>
 * <li>timeouts: {@code connect_timeout}, {@code response_timeout}, {@code idle_timeout},
 *     {@code request_timeout}, {@code drain_timeout}, {@code tunnel_timeout};</li>
 * <li>retries: {@code retries}, {@code retry_on} (comma-separated: reset, 502, 503), {@code retry_budget};</li>
 * <li>passive health: {@code outlier.consecutive_failures}, {@code outlier.consecutive_5xx},
 *     {@code outlier.base_ejection_time}, {@code outlier.max_ejection_time}, {@code outlier.max_ejection_percent};</li>
 * <li>an active health check, on when {@code health.path} or {@code health.tcp=true} is set:
 *     {@code health.interval}, {@code health.timeout}, {@code health.healthy_threshold},
 *     {@code health.unhealthy_threshold};</li>
 * <li>the endpoints' protocol: {@code protocol} ({@code http1}, the default, or {@code h2c}).</li>
 * </ul>
 * Every name takes the provider's label prefix. A value that does not parse, or that the setting
 * refuses, is a problem naming the label, and the service gets no policies: the caller leaves it
 * out, as for its other labels, because routing it with a setting its owner did not ask for (no
 * health check, other retries) would hide the mistake behind traffic that mostly works.
 */
final class LabelPolicies {
    /** What a service's labels set, each the default where no label says otherwise; healthCheck null for none. */
    record Policies(Timeouts timeouts, RetryPolicy retry, OutlierPolicy outlier, HealthCheck healthCheck,
                    UpstreamOptions upstream) {
        static final Policies DEFAULT = new Policies(Timeouts.DEFAULT, RetryPolicy.DEFAULT, OutlierPolicy.DEFAULT, null,
                UpstreamOptions.DEFAULT);
    }

    /** Every label this class reads, without the prefix. */
    static final Set<String> KEYS = Set.of("connect_timeout", "response_timeout", "idle_timeout", "request_timeout",
            "drain_timeout", "tunnel_timeout", "retries", "retry_on", "retry_budget", "outlier.consecutive_failures",
            "outlier.consecutive_5xx", "outlier.base_ejection_time", "outlier.max_ejection_time",
            "outlier.max_ejection_percent", "health.path", "health.tcp", "health.interval", "health.timeout",
            "health.healthy_threshold", "health.unhealthy_threshold", "protocol");

    private final SwarmProviderConfig provider;
    private final Map<String, String> labels;
    private final List<String> problems = new ArrayList<>();

    private LabelPolicies(SwarmProviderConfig provider, Map<String, String> labels) {
        this.provider = provider;
        this.labels = labels;
    }

    /**
     * @param problems where each bad label is described ("label ingress.retries='x': ...")
     * @return the service's policies, or null when a label is bad
     */
    static Policies read(SwarmProviderConfig provider, Map<String, String> labels, List<String> problems) {
        LabelPolicies p = new LabelPolicies(provider, labels);
        Policies read = p.read();
        problems.addAll(p.problems);
        return p.problems.isEmpty() ? read : null;
    }

    private Policies read() {
        Timeouts d = Timeouts.DEFAULT;
        Duration connect = duration("connect_timeout", d.connect());
        Duration response = duration("response_timeout", d.response());
        Duration idle = duration("idle_timeout", d.idle());
        Duration request = duration("request_timeout", null);
        Duration drain = duration("drain_timeout", Timeouts.DEFAULT_DRAIN);
        Duration tunnel = duration("tunnel_timeout", Timeouts.DEFAULT_TUNNEL);
        Timeouts timeouts = build("", () -> new Timeouts(connect, response, idle, request, drain, tunnel));

        RetryPolicy r = RetryPolicy.DEFAULT;
        int retries = integer("retries", r.retries());
        Set<RetryPolicy.On> on = retryOn(r.on());
        int budget = integer("retry_budget", r.budgetPercent());
        RetryPolicy retry = build("", () -> new RetryPolicy(retries, on, budget));

        OutlierPolicy o = OutlierPolicy.DEFAULT;
        int failures = integer("outlier.consecutive_failures", o.consecutiveFailures());
        int fivexx = integer("outlier.consecutive_5xx", o.consecutive5xx());
        Duration base = duration("outlier.base_ejection_time", o.baseEjection());
        Duration max = duration("outlier.max_ejection_time", o.maxEjection());
        int percent = integer("outlier.max_ejection_percent", o.maxEjectionPercent());
        OutlierPolicy outlier = build("outlier.", () -> new OutlierPolicy(failures, fivexx, base, max, percent));

        return new Policies(timeouts, retry, outlier, healthCheck(), upstream());
    }

    /** {@code protocol=http1|h2c}: what the service's tasks speak (h2c for gRPC). */
    private UpstreamOptions upstream() {
        String v = value("protocol");
        if (v == null) {
            return UpstreamOptions.DEFAULT;
        }
        try {
            return new UpstreamOptions(null, null, UpstreamProtocol.fromConfig(v));
        } catch (IllegalArgumentException e) {
            problem("protocol", e.getMessage().substring(e.getMessage().indexOf('(')));
            return UpstreamOptions.DEFAULT;
        }
    }

    private HealthCheck healthCheck() {
        String path = value("health.path");
        boolean tcp = bool("health.tcp");
        Duration interval = duration("health.interval", HealthCheck.DEFAULT_INTERVAL);
        Duration timeout = duration("health.timeout", HealthCheck.DEFAULT_TIMEOUT);
        int healthy = integer("health.healthy_threshold", 1);
        int unhealthy = integer("health.unhealthy_threshold", 2);
        boolean tuned = Stream.of("health.interval", "health.timeout", "health.healthy_threshold",
                "health.unhealthy_threshold").anyMatch(k -> labels.containsKey(provider.label(k)));
        if (path == null && !tcp) {
            if (tuned) {
                problems.add("labels " + provider.label("health.") + "* set without " + provider.label("health.path")
                        + "=/... (HTTP) or " + provider.label("health.tcp") + "=true");
            }
            return null;
        }
        if (path != null && tcp) {
            problems.add("label " + provider.label("health.path") + " and " + provider.label("health.tcp")
                    + "=true both set (a health check is either HTTP or TCP)");
            return null;
        }
        return build("health.", () -> new HealthCheck(path, interval, timeout, healthy, unhealthy));
    }

    // ---------------------------------------------------------------- one label

    private String value(String key) {
        String v = labels.get(provider.label(key));
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    private void problem(String key, String message) {
        String v = value(key);
        problems.add("label " + provider.label(key) + (v == null ? " (not set)" : "='" + v + "'") + ": " + message);
    }

    private Duration duration(String key, Duration otherwise) {
        String v = value(key);
        if (v == null) {
            return otherwise;
        }
        try {
            return Durations.parse(v);
        } catch (IllegalArgumentException e) {
            problem(key, "not a duration (expected: a number with a unit ms, s, m or h, e.g. 5s)");
            return otherwise;
        }
    }

    private int integer(String key, int otherwise) {
        String v = value(key);
        if (v == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            problem(key, "not a whole number");
            return otherwise;
        }
    }

    private boolean bool(String key) {
        String v = value(key);
        if (v == null || v.equalsIgnoreCase("false")) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        problem(key, "expected: true or false");
        return false;
    }

    private Set<RetryPolicy.On> retryOn(Set<RetryPolicy.On> otherwise) {
        String v = value("retry_on");
        if (v == null) {
            return otherwise;
        }
        Set<RetryPolicy.On> on = EnumSet.noneOf(RetryPolicy.On.class);
        for (String one : v.split(",")) {
            try {
                on.add(RetryPolicy.On.fromConfig(one.trim()));
            } catch (InvalidFieldException e) {
                problem("retry_on", e.getMessage() + " (a comma-separated list)");
                return otherwise;
            }
        }
        return on;
    }

    /**
     * A setting made from values that each parsed: its record may still refuse their combination
     * (a timeout longer than the interval), and names the field, which is the label under {@code prefix}.
     * Not made (null) once any label had a problem, so that a problem is reported once.
     */
    private <T> T build(String prefix, Supplier<T> make) {
        if (!problems.isEmpty()) {
            return null;
        }
        try {
            return make.get();
        } catch (InvalidFieldException e) {
            problem(prefix + e.field(), e.getMessage());
            return null;
        }
    }
}
