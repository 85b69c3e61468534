package io.swarmingress.proxy.forward;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The first handler of an h2c stream channel, ahead of its {@link UpstreamConnection}: request
 * bytes out become frames ({@link H2cRequestFrames}), response frames in become bytes
 * ({@link H2cResponseBytes}). So an exchange drives an h2c stream exactly as it drives an HTTP/1.1
 * connection: the same writes, the same writability (the stream's flow-control window, which Netty
 * reflects in the stream channel's), the same auto-read toggling (a stream channel that does not
 * read gives no window back, so a slow client holds back only its own stream).
 *
 * <p>A stream the endpoint did not process, above the last stream id of its GOAWAY or reset with
 * REFUSED_STREAM, is reported to the exchange as refused ({@link Exchange#onRefused}): sent again
 * whatever its method (RFC 9113 section 8.7), where a stream reset after the endpoint began is a
 * reset like an HTTP/1.1 one.
 */
final class H2cStreamCodec extends ChannelDuplexHandler {
    private final H2cRequestFrames request;
    private final H2cResponseBytes response;
    private final UpstreamConnection connection;

    H2cStreamCodec(boolean headRequest, boolean teTrailers, UpstreamConnection connection) {
        this.request = new H2cRequestFrames(teTrailers);
        this.response = new H2cResponseBytes(headRequest);
        this.connection = connection;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ctx.write(msg, promise);
            return;
        }
        List<Http2StreamFrame> frames = new ArrayList<>(2);
        try {
            request.encode(ctx.alloc(), (ByteBuf) msg, frames);
        } catch (RuntimeException e) {
            frames.forEach(ReferenceCountUtil::release);
            promise.tryFailure(e);
            ctx.close();
            return;
        }
        if (frames.isEmpty()) {
            promise.trySuccess();
            return;
        }
        for (int i = 0; i < frames.size(); i++) {
            ctx.write(frames.get(i), i == frames.size() - 1 ? promise : ctx.voidPromise());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = null;
        try {
            if (msg instanceof Http2HeadersFrame) {
                Http2HeadersFrame h = (Http2HeadersFrame) msg;
                bytes = response.headers(ctx.alloc(), h.headers(), h.isEndStream());
            } else if (msg instanceof Http2DataFrame) {
                Http2DataFrame d = (Http2DataFrame) msg;
                bytes = response.data(ctx.alloc(), d.content().retain(), d.isEndStream());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (bytes != null) {
            ctx.fireChannelRead(bytes);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof Http2GoAwayFrame) && !(evt instanceof Http2ResetFrame)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        boolean refused = evt instanceof Http2GoAwayFrame
                || (evt instanceof Http2ResetFrame && ((Http2ResetFrame) evt).errorCode() == Http2Error.REFUSED_STREAM.code());
        ReferenceCountUtil.release(evt);
        Exchange owner = connection.owner;
        if (refused && !response.started() && owner != null) {
            owner.onRefused(connection);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        request.release();
    }
}
