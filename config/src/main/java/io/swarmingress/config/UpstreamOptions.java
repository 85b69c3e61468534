package io.swarmingress.config;

/**
 * How a service's upstream connections begin and whom they may serve.
 *
 * <p>By default an idle upstream connection goes back to its event loop's pool and may carry the
 * next request of any client. A connection that starts with a PROXY header describes one client,
 * so it must never carry another's requests; and some backends must never see two clients on one
 * connection at all (one that writes after a complete response would otherwise write into the
 * next client's). Such connections are kept per client connection and closed with it.
 *
 * @param sendProxyProtocol the PROXY header each new upstream connection starts with, or null for none
 * @param reuse who may use an idle upstream connection next; null means per client when a PROXY
 *              header is sent, else shared
 * @param protocol what the endpoints speak; null means HTTP/1.1. An h2c connection multiplexes the
 *                 streams of many clients, so it goes with neither a PROXY header (which names one
 *                 client) nor per-client reuse.
 */
public record UpstreamOptions(ProxyProtocolVersion sendProxyProtocol, Reuse reuse, UpstreamProtocol protocol) {
    /** Who may use an idle upstream connection. */
    public enum Reuse {
        /** Any client connection on the same event loop. */
        SHARED("shared"),
        /** Only the client connection it was opened for; closed when that closes. */
        PER_CLIENT("per_client");

        private final String configName;

        Reuse(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Reuse fromConfig(String value) {
            for (Reuse r : values()) {
                if (r.configName.equals(value)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("'" + value + "' (expected: shared or per_client)");
        }
    }

    public static final UpstreamOptions DEFAULT = new UpstreamOptions(null, Reuse.SHARED);

    public UpstreamOptions {
        if (protocol == null) {
            protocol = UpstreamProtocol.HTTP1;
        }
        if (protocol == UpstreamProtocol.H2C && sendProxyProtocol != null) {
            throw new InvalidFieldException("protocol", "h2c cannot go with send_proxy_protocol "
                    + "(an h2c connection carries the streams of many clients; a PROXY header names one)");
        }
        if (protocol == UpstreamProtocol.H2C && reuse == Reuse.PER_CLIENT) {
            throw new InvalidFieldException("protocol", "h2c cannot go with upstream_reuse: per_client "
                    + "(an h2c connection is shared by the streams of every client on its event loop)");
        }
        if (reuse == null) {
            reuse = sendProxyProtocol == null ? Reuse.SHARED : Reuse.PER_CLIENT;
        } else if (reuse == Reuse.SHARED && sendProxyProtocol != null) {
            throw new InvalidFieldException("upstream_reuse", "shared cannot go with send_proxy_protocol "
                    + "(a connection that starts with a PROXY header describes one client)");
        }
    }

    /** Over HTTP/1.1. */
    public UpstreamOptions(ProxyProtocolVersion sendProxyProtocol, Reuse reuse) {
        this(sendProxyProtocol, reuse, null);
    }

    /** Whether requests go upstream over HTTP/2 in cleartext. */
    public boolean h2c() {
        return protocol == UpstreamProtocol.H2C;
    }

    /** Whether idle connections stay with the client connection they were opened for. */
    public boolean perClient() {
        return reuse == Reuse.PER_CLIENT;
    }
}
