package io.swarmingress.config;

import java.time.Duration;

/**
 * Active health checks of a service's endpoints: an HTTP GET of {@code path} that must answer
 * 2xx or 3xx, or (path null) a TCP connect. An endpoint turns healthy after
 * {@code healthyThreshold} passes in a row and unhealthy after {@code unhealthyThreshold} failures
 * in a row; a new endpoint gets no traffic until its first pass.
 *
 * @param path the HTTP path to GET, or null for a TCP connect check
 */
public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    public HealthCheck {
        if (path != null && !path.startsWith("/")) {
            throw new InvalidFieldException("path", "'" + path + "' (expected: starts with '/')");
        }
        if (interval == null || interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidFieldException("interval", interval + " (expected: >= 100ms)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(interval) > 0) {
            throw new InvalidFieldException("timeout", timeout + " (expected: > 0 and <= interval)");
        }
        if (healthyThreshold < 1) {
            throw new InvalidFieldException("healthy_threshold", healthyThreshold + " (expected: >= 1)");
        }
        if (unhealthyThreshold < 1) {
            throw new InvalidFieldException("unhealthy_threshold", unhealthyThreshold + " (expected: >= 1)");
        }
    }
}
