package io.swarmingress.config;

import java.time.Duration;

/**
 * Per-service upstream timeouts.
 *
 * @param connect how long a TCP connect to an endpoint may take (502 after, or a retry)
 * @param response how long after the request is sent the response head may take (504 after)
 * @param idle how long an exchange or a relayed connection may see no bytes in either direction
 * @param request how long a whole request may take, retries included, from its head to the end of
 *                its response (504 before the response started, cut after); null for no limit
 * @param drain how long requests in flight to an endpoint that left the service may still run
 * @param tunnel how long a connection that switched protocols (a WebSocket) may see no bytes in
 *               either direction; longer than {@code idle}, since such connections idle by nature
 *               between messages (HAProxy's {@code timeout tunnel})
 */
public record Timeouts(Duration connect, Duration response, Duration idle, Duration request, Duration drain, Duration tunnel) {

    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TUNNEL = Duration.ofHours(1);
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60));

    public Timeouts {
        check("connect_timeout", connect);
        check("response_timeout", response);
        check("idle_timeout", idle);
        if (request != null) {
            check("request_timeout", request);
        }
        if (drain == null) {
            drain = DEFAULT_DRAIN;
        }
        check("drain_timeout", drain);
        if (tunnel == null) {
            tunnel = DEFAULT_TUNNEL;
        }
        check("tunnel_timeout", tunnel);
    }

    /** With the default tunnel timeout. */
    public Timeouts(Duration connect, Duration response, Duration idle, Duration request, Duration drain) {
        this(connect, response, idle, request, drain, DEFAULT_TUNNEL);
    }

    /** Without a limit on the whole request, and the default drain time. */
    public Timeouts(Duration connect, Duration response, Duration idle) {
        this(connect, response, idle, null, DEFAULT_DRAIN);
    }

    private static void check(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidFieldException(field, d + " (expected: > 0)");
        }
    }
}
