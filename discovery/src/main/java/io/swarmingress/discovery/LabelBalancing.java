package io.swarmingress.discovery;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.swarmingress.config.Balancing;
import io.swarmingress.config.Durations;
import io.swarmingress.config.HashOn;
import io.swarmingress.config.StickySessions;
import io.swarmingress.config.WeightedService;

/**
 * Reads the balancing labels of a Swarm service: {@code hash_on}, {@code sticky} and its
 * {@code sticky.*} options, and {@code weight} (its share of a route it shares with other
 * labelled services). A wrong label is one warning and leaves the service out, as the other
 * labels do: a half-understood service is worse than a missing one.
 */
final class LabelBalancing {
    /** Every label this class reads, without the prefix. */
    static final Set<String> KEYS = Set.of("hash_on", "weight", "sticky", "sticky.cookie", "sticky.max_age", "sticky.secure",
            "sticky.http_only", "sticky.same_site", "sticky.secret");

    private final Function<String, String> labelName;

    /** @param labelName the full label name of a key ({@code sticky} to {@code ingress.sticky}) */
    LabelBalancing(Function<String, String> labelName) {
        this.labelName = labelName;
    }

    /** What a label says, or why it cannot be used. */
    record Read<T>(T value, String problem) {
    }

    /** The service's hash key and sticky sessions; endpoint weights do not apply (every task weighs the same). */
    Read<Balancing> balancing(Map<String, String> labels) {
        HashOn hashOn = null;
        String hashText = value(labels, "hash_on");
        if (hashText != null) {
            try {
                hashOn = HashOn.parse(hashText);
            } catch (IllegalArgumentException e) {
                return problem("hash_on", e.getMessage());
            }
        }
        StickySessions sticky = null;
        String stickyText = value(labels, "sticky");
        if (stickyText != null && !stickyText.equalsIgnoreCase("true") && !stickyText.equalsIgnoreCase("false")) {
            return problem("sticky", "'" + stickyText + "' (expected: true or false)");
        }
        if ("true".equalsIgnoreCase(stickyText)) {
            StickySessions d = StickySessions.DEFAULT;
            try {
                String maxAgeText = value(labels, "sticky.max_age");
                Duration maxAge = maxAgeText == null ? null : Durations.parse(maxAgeText);
                String sameSite = value(labels, "sticky.same_site");
                sticky = new StickySessions(value(labels, "sticky.cookie"), maxAge, flag(labels, "sticky.secure", d.secure()),
                        flag(labels, "sticky.http_only", d.httpOnly()),
                        sameSite == null ? null : StickySessions.SameSite.fromConfig(sameSite), value(labels, "sticky.secret"));
            } catch (IllegalArgumentException e) {
                String field = e instanceof io.swarmingress.config.InvalidFieldException
                        ? ((io.swarmingress.config.InvalidFieldException) e).field() : "";
                return problem(field.isEmpty() ? "sticky" : "sticky." + field, e.getMessage());
            }
        }
        return new Read<>(new Balancing(hashOn, sticky, Map.of()), null);
    }

    /** The service's weight label, or null when it has none. */
    Read<Integer> weight(Map<String, String> labels) {
        String text = value(labels, "weight");
        if (text == null) {
            return new Read<>(null, null);
        }
        try {
            int w = Integer.parseInt(text);
            return new Read<>(new WeightedService("x", w).weight(), null);
        } catch (NumberFormatException e) {
            return problem("weight", "'" + text + "' (expected: 0-" + WeightedService.MAX_WEIGHT + ")");
        } catch (IllegalArgumentException e) {
            return problem("weight", e.getMessage());
        }
    }

    private boolean flag(Map<String, String> labels, String key, boolean fallback) {
        String v = value(labels, key);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new io.swarmingress.config.InvalidFieldException(key.substring("sticky.".length()), "'" + v + "' (expected: true or false)");
    }

    private <T> Read<T> problem(String key, String message) {
        return new Read<>(null, "label " + labelName.apply(key) + ": " + message);
    }

    private String value(Map<String, String> labels, String key) {
        String v = labels.get(labelName.apply(key));
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }
}
