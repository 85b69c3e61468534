package io.swarmingress.config;

import java.time.Duration;

/**
 * Per-service upstream timeouts.
 *
 * @param connect how long a TCP connect to an endpoint may take (502 after)
 * @param response how long after the request is sent the response head may take (504 after)
 * @param idle how long an exchange or a relayed connection may see no bytes in either direction
 */
public record Timeouts(Duration connect, Duration response, Duration idle) {

    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60));

    public Timeouts {
        check("connect_timeout", connect);
        check("response_timeout", response);
        check("idle_timeout", idle);
    }

    private static void check(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidFieldException(field, d + " (expected: > 0)");
        }
    }
}
