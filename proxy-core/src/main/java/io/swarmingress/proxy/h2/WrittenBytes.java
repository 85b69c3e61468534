package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.swarmingress.proxy.metrics.ConnectionMeters;

/**
 * Counts the bytes an HTTP/2 connection writes, for the entrypoint's byte meter. Netty's frame
 * writer writes straight to the context below the connection handler, so the count is taken
 * here, summed in a field and handed to the shared meter once per flush.
 */
final class WrittenBytes extends ChannelOutboundHandlerAdapter {
    private final ConnectionMeters meters;
    private long bytes;

    WrittenBytes(ConnectionMeters meters) {
        this.meters = meters;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            bytes += ((ByteBuf) msg).readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        meters.written(bytes);
        bytes = 0;
        ctx.flush();
    }
}
