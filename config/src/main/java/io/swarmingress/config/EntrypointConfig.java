package io.swarmingress.config;

/**
 * A listening address and what it speaks. An http entrypoint is reached by routes; a tcp
 * entrypoint names its one service directly, because bytes carry nothing to route on.
 *
 * @param limits timeouts and connection limits for the clients of this entrypoint
 * @param via whether responses and upstream requests get a {@code Via} header
 * @param proxyProtocol whether every connection must start with a PROXY protocol header (v1 or
 *                      v2), whose source address is then the client's; one without is closed
 * @param trustedProxies the peers whose X-Forwarded-* fields are kept (http only)
 */
public record EntrypointConfig(String name, HostPort address, Protocol protocol, String service,
                               ClientLimits limits, boolean via, boolean proxyProtocol, TrustedProxies trustedProxies,
                               Location location) {

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
        if (trustedProxies == null) {
            trustedProxies = TrustedProxies.NONE;
        }
        if (protocol == Protocol.TCP && !trustedProxies.isEmpty()) {
            throw new InvalidFieldException("trusted_proxies", "is only for http entrypoints (a tcp relay writes no "
                    + "X-Forwarded-For; use proxy_protocol to learn the client's address)");
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    /** Without PROXY protocol and with no trusted proxies. */
    public EntrypointConfig(String name, HostPort address, Protocol protocol, String service, ClientLimits limits, boolean via,
                            Location location) {
        this(name, address, protocol, service, limits, via, false, TrustedProxies.NONE, location);
    }

    public static EntrypointConfig http(String name, HostPort address) {
        return new EntrypointConfig(name, address, Protocol.HTTP, null, ClientLimits.DEFAULT, false, Location.NONE);
    }

    public static EntrypointConfig tcp(String name, HostPort address, String service) {
        return new EntrypointConfig(name, address, Protocol.TCP, service, ClientLimits.DEFAULT, false, Location.NONE);
    }
}
