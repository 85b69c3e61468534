package io.swarmingress.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a service's balancing options: {@code hash_on}, {@code sticky} and the endpoint list with
 * its weights. Apart from {@link ConfigParser} so the parser stays the config's shape at a glance.
 */
final class ServiceBalancing {
    private final YamlDocument document;

    ServiceBalancing(YamlDocument document) {
        this.document = document;
    }

    /** The endpoints as written, and the weights of those written as {@code {address, weight}}. */
    record Endpoints(List<HostPort> addresses, Map<HostPort, Integer> weights) {
    }

    /** {@code endpoints: [host:port, {address: host:port, weight: N}, ...]}. */
    Endpoints endpoints(YamlFields f) {
        List<Map.Entry<HostPort, Integer>> read = f.mixedList("endpoints",
                (value, field) -> Map.entry(HostPort.parse(value, false), 1),
                (m, p) -> {
                    YamlFields e = document.fields(m, p);
                    HostPort address = e.hostPort("address", true, false);
                    int weight = e.integer("weight", 1);
                    e.finish();
                    if (weight < 1 || weight > Balancing.MAX_ENDPOINT_WEIGHT) {
                        e.error(e.lineOf("weight"), "weight", weight + " (expected: 1-" + Balancing.MAX_ENDPOINT_WEIGHT + ")");
                        return null;
                    }
                    return address == null ? null : Map.entry(address, weight);
                });
        List<HostPort> addresses = new ArrayList<>(read.size());
        Map<HostPort, Integer> weights = new LinkedHashMap<>();
        for (Map.Entry<HostPort, Integer> e : read) {
            addresses.add(e.getKey());
            if (e.getValue() != 1) {
                weights.put(e.getKey(), e.getValue());
            }
        }
        return new Endpoints(addresses, weights);
    }

    /** {@code hash_on: client_address | path | header:NAME | cookie:NAME}; null when absent or wrong (reported). */
    HashOn hashOn(YamlFields f) {
        return f.convert("hash_on", f.string("hash_on", null), HashOn::parse);
    }

    /**
     * {@code sticky: true}, or {@code sticky: {cookie, max_age, secure, http_only, same_site, secret}};
     * null when absent, false or wrong (reported).
     */
    StickySessions sticky(YamlFields f) {
        if (!f.isMapping("sticky")) {
            return f.bool("sticky", false) ? StickySessions.DEFAULT : null;
        }
        return f.mapping("sticky", (m, p) -> {
            YamlFields s = document.fields(m, p);
            StickySessions d = StickySessions.DEFAULT;
            String cookie = s.string("cookie", null);
            Duration maxAge = s.duration("max_age", null);
            boolean secure = s.bool("secure", d.secure());
            boolean httpOnly = s.bool("http_only", d.httpOnly());
            StickySessions.SameSite sameSite = s.convert("same_site", s.string("same_site", null), StickySessions.SameSite::fromConfig);
            String secret = s.string("secret", null);
            s.finish();
            return s.build(() -> new StickySessions(cookie, maxAge, secure, httpOnly, sameSite, secret));
        });
    }
}
