package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.swarmingress.proxy.forward.Exchange;
import io.swarmingress.proxy.wire.ChunkFraming;

/**
 * The request body of one {@link H2Stream} on its way to an HTTP/1.1 upstream: its DATA frames
 * sent on as they come, in chunk framing when the head gave no Content-Length, and the bytes the
 * upstream cannot take yet kept from the client's window until it can.
 *
 * <p>Apart from the stream because it is the request's half of the flow control and of the
 * translation to HTTP/1.1, with state of its own (whether a chunk went up yet, how many bytes the
 * window is owed, whether the client ended the request), while the stream answers for the
 * exchange and writes the response. The stream hands it its exchange on every call: the exchange
 * may end, and the stream forget it, between two DATA frames.
 */
final class RequestBody {
    private final H2Connection connection;
    private final Http2Stream stream;
    /** The body goes upstream chunked (no Content-Length); whether a chunk was sent yet. */
    private boolean chunked;
    private boolean chunkSent;
    private boolean complete;
    /** Request bytes received but not yet given back to the client's window. */
    private int unconsumed;

    RequestBody(H2Connection connection, Http2Stream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    /** The body has no Content-Length: the upstream gets it chunked. */
    void chunked() {
        chunked = true;
    }

    /** Whether the client ended the request (its END_STREAM arrived). */
    boolean complete() {
        return complete;
    }

    /** A frame that ends the stream, or not, with nothing to send on (its HEADERS, trailers, or no exchange). */
    void streamEnded(boolean endStream) {
        complete |= endStream;
    }

    /** One DATA frame's bytes (not owned: retained for the upstream), sent on; END_STREAM ends the request. */
    void send(Exchange exchange, ByteBuf data, boolean endStream) {
        int n = data.readableBytes();
        if (n > 0) {
            if (chunked) {
                exchange.body(ChunkFraming.sizeLine(connection.ctx().alloc(), n, !chunkSent));
                chunkSent = true;
            }
            exchange.body(data.retain());
        }
        if (endStream) {
            end(exchange);
        }
    }

    /** The client ended the request: the last chunk goes up when chunked, and the exchange awaits the response. */
    void end(Exchange exchange) {
        complete = true;
        if (chunked) {
            exchange.body(ChunkFraming.last(connection.ctx().alloc(), chunkSent));
        }
        exchange.requestEnded();
    }

    /**
     * @param exchange the stream's exchange after the bytes were sent on, or null when it ended
     * @return how many of the {@code n} bytes just sent on go back to the client's window now: all
     *         when the upstream takes more, else none (owed until {@link #upstreamWritable})
     */
    int window(Exchange exchange, int n) {
        if (exchange == null || exchange.takesBody()) {
            return n;
        }
        unconsumed += n;
        return 0;
    }

    /** The upstream's writability changed: when it takes more, the bytes owed to the client's window go back to it. */
    void upstreamWritable(Exchange exchange) {
        if (unconsumed == 0 || exchange == null || !exchange.takesBody()) {
            return;
        }
        int n = unconsumed;
        unconsumed = 0;
        try {
            connection.decoder().flowController().consumeBytes(stream, n);
        } catch (Http2Exception e) {
            connection.onError(connection.ctx(), false, e);
        }
        connection.flushSoon();
    }
}
