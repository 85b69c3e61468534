package io.swarmingress.config;

import java.time.Duration;

/**
 * A listening address and what it speaks. An http entrypoint is reached by routes; a tcp
 * entrypoint names its one service directly, because bytes carry nothing to route on.
 *
 * @param clientIdleTimeout how long a keep-alive client connection may sit idle between requests
 * @param via whether responses and upstream requests get a {@code Via} header
 */
public record EntrypointConfig(String name, HostPort address, Protocol protocol, String service,
                               Duration clientIdleTimeout, boolean via, Location location) {

    public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public EntrypointConfig {
        Names.require("name", name);
        if (address == null) {
            throw new InvalidFieldException("address", "is required");
        }
        if (protocol == null) {
            throw new InvalidFieldException("protocol", "is required");
        }
        if (protocol == Protocol.TCP && (service == null || service.isEmpty())) {
            throw new InvalidFieldException("service", "is required on a tcp entrypoint");
        }
        if (protocol == Protocol.HTTP && service != null) {
            throw new InvalidFieldException("service", "is only for tcp entrypoints (http entrypoints are reached by routes)");
        }
        if (clientIdleTimeout == null || clientIdleTimeout.isNegative() || clientIdleTimeout.isZero()) {
            throw new InvalidFieldException("client_idle_timeout", clientIdleTimeout + " (expected: > 0)");
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    public static EntrypointConfig http(String name, HostPort address) {
        return new EntrypointConfig(name, address, Protocol.HTTP, null, DEFAULT_CLIENT_IDLE_TIMEOUT, false, Location.NONE);
    }

    public static EntrypointConfig tcp(String name, HostPort address, String service) {
        return new EntrypointConfig(name, address, Protocol.TCP, service, DEFAULT_CLIENT_IDLE_TIMEOUT, false, Location.NONE);
    }
}
