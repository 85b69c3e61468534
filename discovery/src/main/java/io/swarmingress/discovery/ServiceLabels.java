package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.swarmingress.config.SwarmProviderConfig;

/**
 * The labels of one labelled Swarm service as {@link SnapshotBuilder} reads them: a value under
 * the provider's prefix, trimmed, a blank one counting as not set, and the check that every label
 * under the prefix is one the proxy reads. Its own class because the check has to know every
 * reader's names, the routing ones here, {@link LabelPolicies#KEYS} and {@link LabelBalancing#KEYS},
 * while the builder only decides what a service and its route become from the values it gets.
 */
final class ServiceLabels {
    /** The routing labels, without the prefix; the resilience ones are {@link LabelPolicies#KEYS}, the balancing ones {@link LabelBalancing#KEYS}. */
    static final Set<String> ROUTING_KEYS = Set.of("enable", "port", "lb", "network", "entrypoint", "http.host",
            "http.path", "http.strip_prefix", "tls", "tls.passthrough");

    private final SwarmProviderConfig provider;
    private final Map<String, String> labels;

    ServiceLabels(SwarmProviderConfig provider, Map<String, String> labels) {
        this.provider = provider;
        this.labels = labels;
    }

    /** The value of label {@code key} (without the prefix), trimmed; null when it is not set or blank. */
    String value(String key) {
        String v = labels.get(provider.label(key));
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    /** Whether label {@code key} says {@code true}; anything else, or nothing, is false. */
    boolean isTrue(String key) {
        return "true".equalsIgnoreCase(value(key));
    }

    /**
     * A label under the prefix that nothing reads is a warning, and otherwise ignored: a misspelt
     * name ({@code ingress.health.pth}) would else silently leave a setting at its default.
     *
     * @return one problem per such label ("label ingress.health.pth is not one ..."), none when all are known
     */
    List<String> unknown() {
        List<String> problems = new ArrayList<>();
        String prefix = provider.label("");
        for (String key : labels.keySet()) {
            if (key.startsWith(prefix)) {
                String name = key.substring(prefix.length());
                if (!ROUTING_KEYS.contains(name) && !LabelPolicies.KEYS.contains(name) && !LabelBalancing.KEYS.contains(name)) {
                    problems.add("label " + key + " is not one the proxy knows (ignored)");
                }
            }
        }
        return problems;
    }
}
