package io.swarmingress.config;

/**
 * A listening address and what it speaks. An http entrypoint is reached by routes; a tcp
 * entrypoint names its one service directly, because bytes carry nothing to route on, unless it
 * passes TLS through: then the name in the client's TLS hello is routed on, like a Host.
 *
 * @param service the tcp entrypoint's service; on a passthrough entrypoint the service of names
 *                no route matches (null: such clients are refused)
 * @param limits timeouts and connection limits for the clients of this entrypoint (on a
 *               passthrough entrypoint {@code request_header_timeout} bounds the wait for the hello)
 * @param via whether responses and upstream requests get a {@code Via} header
 * @param proxyProtocol whether every connection must start with a PROXY protocol header (v1 or
 *                      v2), whose source address is then the client's; one without is closed
 * @param trustedProxies the peers whose X-Forwarded-* fields are kept (http only)
 * @param tls TLS termination; null for plaintext (or passthrough)
 * @param tlsPassthrough a tcp entrypoint that routes TLS connections by their server name without
 *                       terminating them
 * @param httpsRedirect the TLS http entrypoint this plaintext http entrypoint redirects every
 *                      request to (308); null to serve its routes
 */
public record EntrypointConfig(String name, HostPort address, Protocol protocol, String service,
                               ClientLimits limits, boolean via, boolean proxyProtocol, TrustedProxies trustedProxies,
                               Location location, TlsConfig tls, boolean tlsPassthrough, String httpsRedirect) {

    public EntrypointConfig {
        Names.require("name", name);
        if (address == null) {
            throw new InvalidFieldException("address", "is required");
        }
        if (protocol == null) {
            throw new InvalidFieldException("protocol", "is required");
        }
        if (service != null && service.isEmpty()) {
            service = null;
        }
        if (tlsPassthrough && protocol != Protocol.TCP) {
            throw new InvalidFieldException("tls_passthrough", "is only for tcp entrypoints");
        }
        if (tlsPassthrough && tls != null) {
            throw new InvalidFieldException("tls_passthrough", "passes TLS through untouched, so it cannot also terminate it (tls:)");
        }
        if (protocol == Protocol.TCP && service == null && !tlsPassthrough) {
            throw new InvalidFieldException("service", "is required on a tcp entrypoint");
        }
        if (protocol == Protocol.HTTP && service != null) {
            throw new InvalidFieldException("service", "is only for tcp entrypoints (http entrypoints are reached by routes)");
        }
        if (httpsRedirect != null && (protocol != Protocol.HTTP || tls != null)) {
            throw new InvalidFieldException("https_redirect", "is only for plaintext http entrypoints");
        }
        if (protocol == Protocol.TCP && tls != null && !tls.alpn().equals(TlsConfig.DEFAULT_ALPN)) {
            throw new InvalidFieldException("tls", "alpn: is only for http entrypoints (a tcp entrypoint offers no ALPN)");
        }
        if (httpsRedirect != null) {
            Names.require("https_redirect", httpsRedirect);
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

    /** Plaintext, without PROXY protocol and with no trusted proxies. */
    public EntrypointConfig(String name, HostPort address, Protocol protocol, String service, ClientLimits limits, boolean via,
                            Location location) {
        this(name, address, protocol, service, limits, via, false, TrustedProxies.NONE, location, null, false, null);
    }

    public static EntrypointConfig http(String name, HostPort address) {
        return new EntrypointConfig(name, address, Protocol.HTTP, null, ClientLimits.DEFAULT, false, Location.NONE);
    }

    public static EntrypointConfig https(String name, HostPort address, TlsConfig tls) {
        return new EntrypointConfig(name, address, Protocol.HTTP, null, ClientLimits.DEFAULT, false, false, TrustedProxies.NONE, Location.NONE,
                tls, false, null);
    }

    public static EntrypointConfig tcp(String name, HostPort address, String service) {
        return new EntrypointConfig(name, address, Protocol.TCP, service, ClientLimits.DEFAULT, false, Location.NONE);
    }

    /**
     * Whether an http entrypoint serves HTTP/2 besides HTTP/1.1: always in plaintext (h2c, prior
     * knowledge), and over TLS unless its {@code alpn} leaves {@code h2} out. Turned off, the
     * entrypoint takes no HTTP/2 at all, not even a client that starts with the preface unasked.
     */
    public boolean http2() {
        return protocol == Protocol.HTTP && (tls == null || tls.offersH2());
    }

    /** Whether clients speak TLS to this entrypoint and the proxy terminates it. */
    public boolean terminatesTls() {
        return tls != null;
    }
}
