package io.swarmingress.proxy.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.swarmingress.proxy.routing.RequestHeaders;

/**
 * What the forwarder needs of a request, whatever protocol it came in: what routes match on, and
 * the HTTP/1.1 head the upstream gets. An HTTP/1 front answers from the bytes it parsed; an HTTP/2
 * stream would answer from its header block.
 */
public interface RequestHead extends RequestHeaders {
    /** The host to route on: lower case, without port or trailing dot; null when the request has none. */
    String host();

    /** The path to route on, in canonical form, without the query. */
    String path();

    boolean methodIs(String method);

    /** Whether a body follows the head. */
    boolean hasBody();

    /** Whether the request asks to switch to WebSocket; a 101 to it turns the exchange into a {@link Tunnel}. */
    default boolean webSocketUpgrade() {
        return false;
    }

    /**
     * Writes the head for the upstream. May be called again, for another endpoint, while the
     * exchange is in progress: the exchange keeps this object, not the bytes, so the head costs
     * nothing to keep when no retry happens.
     *
     * @param path the path to send (the route may have stripped a prefix from {@link #path()})
     * @param hostIfMissing a Host value for a request that came without one (HTTP/1.0), else null
     */
    ByteBuf encode(ByteBufAllocator alloc, String path, String hostIfMissing);
}
