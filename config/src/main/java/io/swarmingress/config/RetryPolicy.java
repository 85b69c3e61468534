package io.swarmingress.config;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * When a request is tried again on another endpoint. A request whose connection to the endpoint
 * could not be made reached no backend, so it is retried whatever its method; the failures in
 * {@code on} (a reset or close before the response head, a 502 or 503 from the endpoint) may
 * follow a request the backend acted on, so they retry idempotent methods only.
 *
 * @param retries further attempts after the first (0 turns retries off)
 * @param on the failures after which an idempotent request is retried
 * @param budgetPercent retries in flight at once, as a share of the service's requests in flight
 *                      (at least 3 are always allowed): a failing service is not flooded with retries
 */
public record RetryPolicy(int retries, Set<On> on, int budgetPercent) {
    /** The failures an idempotent request may be retried after. */
    public enum On {
        /** The connection reset or closed before a response head arrived. */
        RESET,
        /** The endpoint answered 502. */
        STATUS_502,
        /** The endpoint answered 503. */
        STATUS_503;

        /** Its config spelling: reset, 502, 503. */
        public String configName() {
            return this == RESET ? "reset" : name().substring("STATUS_".length());
        }

        public static On fromConfig(String value) {
            for (On o : values()) {
                if (o.configName().equals(value.toLowerCase(Locale.ROOT))) {
                    return o;
                }
            }
            throw new InvalidFieldException("retry_on", "'" + value + "' (expected: reset, 502 or 503)");
        }
    }

    public static final RetryPolicy DEFAULT = new RetryPolicy(2, EnumSet.allOf(On.class), 20);

    public RetryPolicy {
        if (retries < 0 || retries > 10) {
            throw new InvalidFieldException("retries", retries + " (expected: 0-10)");
        }
        on = on == null || on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
        if (budgetPercent < 1 || budgetPercent > 100) {
            throw new InvalidFieldException("retry_budget", budgetPercent + " (expected: 1-100, percent of requests in flight)");
        }
    }
}
