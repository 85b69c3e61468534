package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
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

    /** The response head, written with the first piece of the body or the end. */
    void head(Http2Headers head) {
        headers = head;
    }

    /** A body piece, owned from now on: written when the next one or the end comes. Call after {@link #write}. */
    void hold(ByteBuf bytes) {
        data = bytes;
    }

    /**
     * Writes what is held: the head, and the body piece before the next one or the end.
     *
     * @param end whether the response ends with it (END_STREAM on the last frame written)
     */
    void write(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId, boolean end) {
        if (headers != null) {
            boolean endNow = end && data == null;
            encoder.writeHeaders(ctx, streamId, headers, 0, endNow, ctx.voidPromise());
            headers = null;
            if (endNow) {
                return;
            }
        }
        if (data != null) {
            ByteBuf piece = data;
            data = null;
            encoder.writeData(ctx, streamId, piece, 0, end, ctx.voidPromise());
        } else if (end) {
            encoder.writeData(ctx, streamId, Unpooled.EMPTY_BUFFER, 0, true, ctx.voidPromise());
        }
    }

    /** Drops what is held: the response ended some other way (a local answer, a cut, the stream closed). */
    void release() {
        headers = null;
        if (data != null) {
            data.release();
            data = null;
        }
    }
}
