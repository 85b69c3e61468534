package io.swarmingress.config;

import java.time.Duration;

/**
 * What one entrypoint allows its clients, so that a slow or idle client cannot hold a connection,
 * and many of them cannot hold the proxy (slowloris, slow POST). The defaults follow HAProxy's
 * usual {@code timeout http-request 10s} and Apache's mod_reqtimeout body rule.
 *
 * @param idle how long a keep-alive connection may sit idle between requests
 * @param header how long a request head may take to arrive, from its first byte (from accept for
 *               a connection's first request); reads do not extend it
 * @param body how long a request body may take beyond what its size allows at {@code bodyMinRate}:
 *             the body must be complete {@code body + received / bodyMinRate} after its head
 * @param bodyMinRate the slowest average rate, in bytes per second, a body may arrive at
 * @param maxConnections client connections the entrypoint keeps open at most; more are closed at accept
 */
public record ClientLimits(Duration idle, Duration header, Duration body, long bodyMinRate, int maxConnections) {

    public static final ClientLimits DEFAULT = new ClientLimits(Duration.ofSeconds(60), Duration.ofSeconds(10),
            Duration.ofSeconds(10), 1024, 20_000);

    public ClientLimits {
        positive("client_idle_timeout", idle);
        positive("request_header_timeout", header);
        positive("request_body_timeout", body);
        if (bodyMinRate < 1) {
            throw new InvalidFieldException("request_body_min_rate", bodyMinRate + " (expected: >= 1 byte per second)");
        }
        if (maxConnections < 1) {
            throw new InvalidFieldException("max_connections", maxConnections + " (expected: >= 1)");
        }
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidFieldException(field, d + " (expected: > 0)");
        }
    }
}
