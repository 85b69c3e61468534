package io.swarmingress.config;

import java.time.Duration;

/**
 * Passive health: an endpoint that fails is taken out of rotation for a while, without waiting
 * for an active check or for Swarm to notice. The time out doubles each time the same endpoint
 * is ejected again, up to {@code maxEjection}; it never takes out more than
 * {@code maxEjectionPercent} of a service (at least one), and when every endpoint is out, all are
 * used again (panic: a guess beats a certain 503).
 *
 * @param consecutiveFailures connect failures and resets in a row that eject (0 turns it off)
 * @param consecutive5xx 5xx responses in a row that eject (0 turns it off, the default)
 */
public record OutlierPolicy(int consecutiveFailures, int consecutive5xx, Duration baseEjection, Duration maxEjection,
                            int maxEjectionPercent) {

    public static final OutlierPolicy DEFAULT = new OutlierPolicy(1, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), 50);

    public OutlierPolicy {
        if (consecutiveFailures < 0) {
            throw new InvalidFieldException("consecutive_failures", consecutiveFailures + " (expected: >= 0)");
        }
        if (consecutive5xx < 0) {
            throw new InvalidFieldException("consecutive_5xx", consecutive5xx + " (expected: >= 0)");
        }
        if (baseEjection == null || baseEjection.isNegative() || baseEjection.isZero()) {
            throw new InvalidFieldException("base_ejection_time", baseEjection + " (expected: > 0)");
        }
        if (maxEjection == null || maxEjection.compareTo(baseEjection) < 0) {
            throw new InvalidFieldException("max_ejection_time", maxEjection + " (expected: >= base_ejection_time)");
        }
        if (maxEjectionPercent < 1 || maxEjectionPercent > 100) {
            throw new InvalidFieldException("max_ejection_percent", maxEjectionPercent + " (expected: 1-100)");
        }
    }
}
