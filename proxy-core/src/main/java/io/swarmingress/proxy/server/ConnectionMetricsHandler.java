package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First handler of every client connection: counts it as open and counts its bytes. Byte counts
 * are summed in plain fields and added to the shared counters once per read batch and once per
 * flush, so the shared adders see a few updates per batch instead of one per buffer.
 */
final class ConnectionMetricsHandler extends ChannelDuplexHandler {
    private final AtomicInteger open;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private long pendingIn;
    private long pendingOut;

    ConnectionMetricsHandler(AtomicInteger open, Counter[] bytes) {
        this.open = open;
        this.bytesIn = bytes[0];
        this.bytesOut = bytes[1];
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        open.incrementAndGet();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
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
        if (pendingIn > 0) {
            bytesIn.increment(pendingIn);
            pendingIn = 0;
        }
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
        if (pendingOut > 0) {
            bytesOut.increment(pendingOut);
            pendingOut = 0;
        }
        ctx.flush();
    }

    private void publish() {
        if (pendingIn > 0) {
            bytesIn.increment(pendingIn);
            pendingIn = 0;
        }
        if (pendingOut > 0) {
            bytesOut.increment(pendingOut);
            pendingOut = 0;
        }
    }
}
