package io.swarmingress.proxy.forward;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.swarmingress.proxy.metrics.RequestProtocol;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * The client's side of an exchange, as the forwarder sees it: where the response goes, and how
 * the exchange ends. The protocol front implements it (an HTTP/1 connection today, an HTTP/2
 * stream tomorrow) and decides how each event is written in its protocol. Every call comes on the
 * client connection's event loop.
 */
public interface Downstream {
    /** What the client speaks, for the request counters (a WebSocket upgrade is counted as {@code ws} by the exchange). */
    default RequestProtocol protocol() {
        return RequestProtocol.HTTP1;
    }

    /** An interim (1xx) response head; the front passes it on or not. */
    void onInterim(ResponseFramer head);

    /**
     * The final response head. Read its accessors now.
     *
     * @param setCookie a Set-Cookie value the client must get with this response besides the
     *                  endpoint's own (a sticky-session cookie naming the endpoint), or null
     */
    void onResponseHead(ResponseFramer head, String setCookie);

    /** Body bytes, owned by the callee. */
    void onResponseBody(ByteBuf bytes);

    /**
     * A trailer field of a response whose body the front takes de-chunked (an HTTP/2 stream): it
     * goes out with the end. A front that passes chunked bytes on gets trailers in them instead.
     */
    default void onResponseTrailer(AsciiString lowerName, AsciiString value) {
    }

    /** The upstream's read batch ended: what was written may be flushed. */
    void flush();

    /** The response is complete and the exchange over. */
    void onResponseEnd();

    /** The exchange ended before a response started: the front answers with this status itself. */
    void onLocalAnswer(HttpResponseStatus status, String detail);

    /**
     * The endpoint switched protocols (a 101 to a WebSocket upgrade): the front writes the head
     * ({@link ResponseFramer#encodeSwitchHead}) and relays bytes both ways through the tunnel from
     * now on ({@link Tunnel#start}). The exchange is over. A front that cannot relay bytes cuts
     * the client off, as here.
     */
    default void onUpgraded(ResponseFramer head, Tunnel tunnel) {
        tunnel.close();
        onAbort("this protocol cannot switch protocols");
    }

    /** The response started and cannot be completed: the front cuts the client off. */
    void onAbort(String reason);

    /** Whether the client takes more now; while not, the exchange stops reading the upstream. */
    boolean isWritable();

    /** The upstream can take more of the request body, or no more for now: the front adjusts its reading. */
    void onUpstreamWritabilityChanged();
}
