package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The frames of a client connection that concern requests, handed to their stream: the first
 * HEADERS start one, DATA and trailing HEADERS continue it. Netty's decoder has already checked
 * each frame against the stream's state, flow control, Content-Length and the header rules it
 * knows; SETTINGS, PING, WINDOW_UPDATE, GOAWAY and RST_STREAM are handled there (a reset closes
 * the stream, which ends its exchange).
 */
final class H2Frames extends Http2FrameAdapter {
    private final H2Connection connection;

    H2Frames(H2Connection connection) {
        this.connection = connection;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream) {
        H2Stream s = connection.stream(streamId);
        if (s == null) {
            connection.streamStarted(streamId, headers, endStream);
        } else {
            s.onTrailers(endStream);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency, short weight,
                              boolean exclusive, int padding, boolean endStream) {
        onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        H2Stream s = connection.stream(streamId);
        if (s == null) {
            return data.readableBytes() + padding;
        }
        return s.onDataRead(data, padding, endOfStream);
    }
}
