package io.swarmingress.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.server.UpstreamPool;

/**
 * The last handler of an upstream connection. It belongs to at most one client exchange at a time
 * (its {@link #owner}); between exchanges the connection sits in its loop's pool, and anything it
 * receives there is a protocol error that ends it.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    final HostPort address;
    /** Reads this connection's responses; one per connection because it carries state between reads. */
    final ResponseFramer framer = new ResponseFramer();
    HttpProxyHandler owner;
    Channel channel;

    UpstreamHandler(HostPort address) {
        this.address = address;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
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
        UpstreamPool.current().forget(address, ctx.channel());
        HttpProxyHandler o = owner;
        if (o != null) {
            o.onUpstreamClosed(this);
        }
        framer.stop();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // Unused in the pool for the service's idle timeout: the peer may be gone without a word
            // (a vanished node sends no FIN), and a request sent into it would only time out.
            if (owner == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The owner learns of it through channelInactive; a reset from a backend is routine.
        ctx.close();
    }
}
