package io.swarmingress.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.swarmingress.proxy.metrics.ConnectionMeters;

/**
 * First handler of a tcp entrypoint's connections: counts it as open and counts its bytes. HTTP
 * connections count in their proxy handler instead, which saves a handler on every request.
 */
final class ConnectionMetricsHandler extends ChannelDuplexHandler {
    private final ConnectionMeters meters;
    private long pendingIn;
    private long pendingOut;

    ConnectionMetricsHandler(ConnectionMeters meters) {
        this.meters = meters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        meters.opened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meters.closed();
        publish();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            pendingIn += ((ByteBuf) msg).readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        meters.read(pendingIn);
        pendingIn = 0;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            pendingOut += ((ByteBuf) msg).readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        meters.written(pendingOut);
        pendingOut = 0;
        ctx.flush();
    }

    private void publish() {
        meters.read(pendingIn);
        meters.written(pendingOut);
        pendingIn = 0;
        pendingOut = 0;
    }
}
