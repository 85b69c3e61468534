package io.swarmingress.config;

/**
 * A listening address and what it speaks. An http entrypoint is reached by routes; a tcp
 * entrypoint names its one service directly, because bytes carry nothing to route on.
 *
 * @param limits timeouts and connection limits for the clients of this entrypoint
 * @param via whether responses and upstream requests get a {@code Via} header
 */
public record EntrypointConfig(String name, HostPort address, Protocol protocol, String service,
                               ClientLimits limits, boolean via, Location location) {

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
        if (limits == null) {
            limits = ClientLimits.DEFAULT;
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    public static EntrypointConfig http(String name, HostPort address) {
        return new EntrypointConfig(name, address, Protocol.HTTP, null, ClientLimits.DEFAULT, false, Location.NONE);
    }

    public static EntrypointConfig tcp(String name, HostPort address, String service) {
        return new EntrypointConfig(name, address, Protocol.TCP, service, ClientLimits.DEFAULT, false, Location.NONE);
    }
}
