package io.swarmingress.proxy.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Where a client connection comes from and what it connected to: the socket's own addresses, or,
 * on an entrypoint with {@code proxy_protocol}, those its PROXY header gave (the peer is then a load
 * balancer, and the header speaks for the client behind it). Fronts read this once when they start
 * on a connection, for X-Forwarded-*, the trust decision and the PROXY header sent upstream.
 *
 * @param source the client's address; null when the connection is not a socket (tests)
 * @param destination the address the client connected to; null when not a socket
 * @param tls whether the client reached the PROXY sender over TLS (a v2 header's SSL TLV says so);
 *            whether the proxy terminates TLS itself is the entrypoint's config
 */
public record ClientAddresses(InetSocketAddress source, InetSocketAddress destination, boolean tls) {
    static final AttributeKey<ClientAddresses> KEY = AttributeKey.valueOf(ClientAddresses.class, "clientAddresses");

    /** The addresses of a client connection: from its PROXY header when it had one, else its socket's. */
    public static ClientAddresses of(Channel ch) {
        ClientAddresses told = ch.hasAttr(KEY) ? ch.attr(KEY).get() : null;
        return told != null ? told : ofSocket(ch);
    }

    static ClientAddresses ofSocket(Channel ch) {
        return new ClientAddresses(inet(ch.remoteAddress()), inet(ch.localAddress()), false);
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }
}
