package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * What of one stream's response is not written yet: its head, and the body piece read last.
 *
 * <p>Why anything is held: whether a piece is the last one is known only once the next piece or
 * the end arrives, and END_STREAM goes on the last frame written. Held until the upstream's read
 * batch ends, a response read in one batch goes out as HEADERS and one DATA frame with END_STREAM
 * (or HEADERS alone), not followed by an empty DATA frame. Kept apart from {@link H2Stream} because
 * it is the one place where those frames are chosen.
 */
final class HeldResponse {
    private Http2Headers headers;
    private ByteBuf data;
    /** Trailer fields of the response, written as the last HEADERS frame; null while there are none. */
    private Http2Headers trailers;

    /** The response head, written with the first piece of the body or the end. */
    void head(Http2Headers head) {
        headers = head;
    }

    /** A body piece, owned from now on: written when the next one or the end comes. Call after {@link #write}. */
    void hold(ByteBuf bytes) {
        data = bytes;
    }

    /** A trailer field, written with the end (gRPC's status travels in them). */
    void trailer(CharSequence lowerName, CharSequence value) {
        if (trailers == null) {
            trailers = new DefaultHttp2Headers(false);
        }
        trailers.add(lowerName, value);
    }

    /**
     * Writes what is held: the head, and the body piece before the next one or the end; at the end,
     * the trailers, when there are any, carry END_STREAM.
     *
     * @param end whether the response ends with it (END_STREAM on the last frame written)
     */
    void write(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId, boolean end) {
        write(encoder, ctx, streamId, end, ctx.voidPromise());
    }

    /**
     * Writes the rest of the response, its last frame with END_STREAM.
     *
     * @return that last frame's future: a RST_STREAM that stops the client's upload must wait for
     *         it, or it overtakes the DATA still queued for the window, which Netty then drops
     */
    ChannelFuture writeEnd(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId) {
        ChannelPromise last = ctx.newPromise();
        write(encoder, ctx, streamId, true, last);
        return last;
    }

    /** @param last the promise of the frame with END_STREAM, when {@code end} */
    private void write(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId, boolean end, ChannelPromise last) {
        if (end && trailers != null) {
            write(encoder, ctx, streamId, false, ctx.voidPromise());
            Http2Headers t = trailers;
            trailers = null;
            encoder.writeHeaders(ctx, streamId, t, 0, true, last);
            return;
        }
        if (headers != null) {
            boolean endNow = end && data == null;
            encoder.writeHeaders(ctx, streamId, headers, 0, endNow, endNow ? last : ctx.voidPromise());
            headers = null;
            if (endNow) {
                return;
            }
        }
        if (data != null) {
            ByteBuf piece = data;
            data = null;
            encoder.writeData(ctx, streamId, piece, 0, end, end ? last : ctx.voidPromise());
        } else if (end) {
            encoder.writeData(ctx, streamId, Unpooled.EMPTY_BUFFER, 0, true, last);
        }
    }

    /** Drops what is held: the response ended some other way (a local answer, a cut, the stream closed). */
    void release() {
        headers = null;
        trailers = null;
        if (data != null) {
            data.release();
            data = null;
        }
    }
}
