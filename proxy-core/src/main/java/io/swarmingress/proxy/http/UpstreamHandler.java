package io.swarmingress.proxy.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.server.UpstreamPool;

/**
 * The only handler of an upstream connection. It belongs to at most one client exchange at a time
 * (its {@link #owner}); between exchanges the connection sits in its loop's pool, and anything it
 * receives there is a protocol error that ends it.
 *
 * <p>A connection unused in the pool for the service's idle timeout is closed: the peer may be
 * gone without a word (a vanished node sends no FIN), and a request sent into it would only time
 * out. One timer per connection checks that when it fires; an IdleStateHandler would put a handler
 * hop on every read and write of every request.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    final HostPort address;
    /** Reads this connection's responses; one per connection because it carries state between reads. */
    final ResponseFramer framer = new ResponseFramer();
    private final long idleNanos;
    private final Runnable idleCheck = this::checkIdle;
    HttpProxyHandler owner;
    Channel channel;
    private ChannelHandlerContext ctx;
    private long pooledSince;
    private ScheduledFuture<?> timer;

    UpstreamHandler(HostPort address, Duration idle) {
        this.address = address;
        this.idleNanos = idle.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pooledSince = System.nanoTime();
        timer = ctx.executor().schedule(idleCheck, idleNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    /** Called as the connection goes back to the pool: its idle time starts now. */
    void pooled() {
        pooledSince = System.nanoTime();
    }

    private void checkIdle() {
        timer = null;
        if (!channel.isActive()) {
            return;
        }
        long now = System.nanoTime();
        long next = idleNanos;
        if (owner == null) {
            long idleFor = now - pooledSince;
            if (idleFor >= idleNanos) {
                ctx.close();
                return;
            }
            next = idleNanos - idleFor;
        }
        timer = ctx.executor().schedule(idleCheck, next, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpProxyHandler o = owner;
        if (o != null && msg instanceof ByteBuf) {
            o.onUpstreamRead(this, (ByteBuf) msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        HttpProxyHandler o = owner;
        if (o != null) {
            o.onUpstreamReadComplete(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        HttpProxyHandler o = owner;
        if (o != null) {
            o.onUpstreamWritabilityChanged(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        UpstreamPool.current().forget(address, ctx.channel());
        HttpProxyHandler o = owner;
        if (o != null) {
            o.onUpstreamClosed(this);
        }
        framer.stop();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The owner learns of it through channelInactive; a reset from a backend is routine.
        ctx.close();
    }
}
