package io.swarmingress.proxy.tls;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Waits for a client's TLS ClientHello, bounded in time and size, without consuming it: the bytes
 * stay in this decoder until the subclass decides, and go on to the next handler when it removes
 * or replaces itself (a TLS handler that terminates, or a relay that passes them through). Used
 * by termination (which certificate) and by passthrough (which service).
 */
public abstract class HelloReader extends ByteToMessageDecoder {
    /** The largest hello waited for: a browser's is under 2 KiB, post-quantum key shares included. */
    public static final int MAX_HELLO = 16 * 1024;

    private final long timeoutNanos;
    private ScheduledFuture<?> timeout;
    private boolean decided;

    /** @param timeoutNanos how long after accept the whole hello must be here */
    protected HelloReader(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        timeout = ctx.executor().schedule(() -> {
            if (!decided) {
                decided = true;
                timedOut(ctx);
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decided) {
            in.skipBytes(in.readableBytes());
            return;
        }
        ClientHello.Reading reading = ClientHello.read(in, MAX_HELLO);
        if (reading.status() == ClientHello.Status.INCOMPLETE) {
            return;
        }
        decided = true;
        cancelTimeout();
        hello(ctx, reading, in);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !decided) {
            // The client stopped sending before its hello was whole: nothing will complete it.
            decided = true;
            cancelTimeout();
            ReferenceCountUtil.release(evt);
            truncated(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelTimeout();
        decided = true;
        super.channelInactive(ctx);
    }

    /**
     * The hello is whole, or cannot become one (not TLS, too large, malformed). The subclass
     * removes or replaces this handler to let {@code in} go on, or skips its bytes and closes.
     */
    protected abstract void hello(ChannelHandlerContext ctx, ClientHello.Reading reading, ByteBuf in);

    /** No whole hello within the time allowed. */
    protected abstract void timedOut(ChannelHandlerContext ctx);

    /** The client ended its side before its hello was whole. */
    protected abstract void truncated(ChannelHandlerContext ctx);
}
