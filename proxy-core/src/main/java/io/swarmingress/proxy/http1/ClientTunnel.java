package io.swarmingress.proxy.http1;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.proxy.forward.Tunnel;
import io.swarmingress.proxy.metrics.ConnectionMeters;

/**
 * The client's side of a connection that switched protocols: after the 101 it replaces
 * {@link Http1Connection} and relays bytes both ways through the {@link Tunnel}, as they are.
 * Each side is read only while the other takes more, a FIN is passed on as a FIN, and the
 * connection closes with the upstream's. Shutdown does not cut it: it lives until the grace
 * period ends, like a request in flight.
 */
final class ClientTunnel extends ChannelInboundHandlerAdapter implements Tunnel.Client {
    private static final Logger log = LoggerFactory.getLogger(ClientTunnel.class);

    private final ConnectionMeters meters;
    private final Tunnel tunnel;
    /** Bytes the client sent after its upgrade request, before the 101 (its first frames); null when none. */
    private ByteBuf early;
    private ChannelHandlerContext ctx;
    private long bytesIn;
    private long bytesOut;
    private boolean inputEnded;
    private boolean upstreamEnded;
    /** Closes the connection if what is left for the client is not out by then; null until the upstream is gone. */
    private ScheduledFuture<?> lastCall;

    /** @param unflushed bytes written to the client and not yet counted (the 101 head) */
    ClientTunnel(ConnectionMeters meters, Tunnel tunnel, ByteBuf early, long unflushed) {
        this.meters = meters;
        this.tunnel = tunnel;
        this.early = early;
        this.bytesOut = unflushed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        flush();
        tunnel.start(this);
        if (early != null) {
            ByteBuf b = early;
            early = null;
            tunnel.write(b);
            tunnel.flush();
        }
        updateRead();
    }

    // ---------------------------------------------------------------- from the client

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        bytesIn += ((ByteBuf) msg).readableBytes();
        tunnel.write((ByteBuf) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        meters.read(bytesIn);
        bytesIn = 0;
        tunnel.flush();
        updateRead();
    }

    /** The client is read while the upstream takes more. */
    private void updateRead() {
        boolean read = !inputEnded && tunnel.writable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        tunnel.readUpstream(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (upstreamEnded) {
                // Both directions are over: closed once the upstream's last bytes are out, not before.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                tunnel.shutdownOutput();
            }
            return;
        }
        // A drain (shutdown) does not end a tunnel: it closes when the grace period does.
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meters.read(bytesIn);
        meters.written(bytesOut);
        bytesIn = 0;
        bytesOut = 0;
        meters.closed();
        tunnel.close();
        if (lastCall != null) {
            lastCall.cancel(false);
        }
        if (early != null) {
            early.release();
            early = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("upgraded client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    // ---------------------------------------------------------------- from the upstream (Tunnel.Client)

    @Override
    public void onBytes(ByteBuf bytes) {
        bytesOut += bytes.readableBytes();
        ctx.write(bytes, ctx.voidPromise());
    }

    @Override
    public void onReadComplete() {
        flush();
    }

    private void flush() {
        meters.written(bytesOut);
        bytesOut = 0;
        ctx.flush();
    }

    @Override
    public void onInputEnded() {
        upstreamEnded = true;
        if (inputEnded || !(ctx.channel() instanceof DuplexChannel)) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        DuplexChannel ch = (DuplexChannel) ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ch.shutdownOutput();
            } else {
                ch.close();
            }
        });
    }

    @Override
    public void onClosed() {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            // A client that does not read what is left would hold the connection open: it gets the
            // tunnel timeout to do so, as it would have had with the upstream still there.
            lastCall = ctx.executor().schedule(() -> {
                ctx.close();
            }, tunnel.timeoutNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void onWritabilityChanged() {
        updateRead();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }
}
