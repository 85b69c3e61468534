package io.swarmingress.proxy.forward;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.proxy.metrics.RequestMetrics;
import io.swarmingress.proxy.routing.Endpoint;

/**
 * The upstream side of a connection that switched protocols (a 101 to a WebSocket upgrade): from
 * then on its bytes are relayed as they are, both ways, until either side closes. It takes the
 * upstream connection over from the exchange (that connection never returns to a pool) and the
 * front relays the client's side through it ({@link Client}).
 *
 * <p>Backpressure as in the TCP relay: each side is read only while the other can take more.
 * Half-closure is relayed (a FIN from one side becomes a FIN to the other; the connection closes
 * when both are done). The connection closes after the service's {@code tunnel_timeout} without a
 * byte either way. Counted in {@code ingress_upgraded_connections} while open; the endpoint counts
 * it as in flight until it closes (so {@code least_conn} sees long-lived WebSockets).
 *
 * <p>Everything happens on the client connection's event loop, which is also the upstream's.
 */
public final class Tunnel extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

    /** The client's side, as the front relays it. */
    public interface Client {
        /** Bytes from the upstream, owned by the callee. */
        void onBytes(ByteBuf bytes);

        /** The upstream's read batch ended: what was written may be flushed. */
        void onReadComplete();

        /** The upstream sent its FIN: no more bytes come from it (the client may go on sending). */
        void onInputEnded();

        /** The upstream connection closed, or the tunnel timed out: the client connection closes too. */
        void onClosed();

        /** The upstream takes more bytes now, or no more for now. */
        void onWritabilityChanged();

        /** Whether the client connection takes more bytes now. */
        boolean isWritable();
    }

    private final Channel channel;
    private final Endpoint endpoint;
    private final RequestMetrics metrics;
    private final long idleNanos;
    private final Ticker ticker;
    private final Runnable idleCheck = this::checkIdle;
    private Client client;
    /** Bytes that came from the upstream before the front started relaying (after the 101, in its read). */
    private ByteBuf early;
    private long lastActivity;
    private ScheduledFuture<?> timer;
    private boolean inputEnded;
    private boolean outputEnded;
    private boolean closed;

    /**
     * @param endpoint acquired for the exchange; released when the tunnel closes
     * @param early the bytes after the 101 (owned by the tunnel from now on)
     */
    Tunnel(Channel channel, Endpoint endpoint, RequestMetrics metrics, long idleNanos, ByteBuf early) {
        this.channel = channel;
        this.endpoint = endpoint;
        this.metrics = metrics;
        this.idleNanos = idleNanos;
        this.ticker = channel.eventLoop().ticker();
        this.early = early;
        this.lastActivity = ticker.nanoTime();
        // Until the front relays, nothing more is read; a FIN is relayed, not taken for a close.
        channel.config().setAutoRead(false);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        metrics.upgradeOpened();
    }

    // ---------------------------------------------------------------- from the front

    /** The front relays from now on: the early bytes go to it, and the upstream is read while it takes more. */
    public void start(Client relay) {
        client = relay;
        if (closed) {
            relay.onClosed();
            return;
        }
        if (early != null) {
            ByteBuf b = early;
            early = null;
            if (b.isReadable()) {
                relay.onBytes(b);
                relay.onReadComplete();
            } else {
                b.release();
            }
        }
        if (inputEnded) {
            relay.onInputEnded();
        } else {
            channel.config().setAutoRead(relay.isWritable());
        }
        timer = channel.eventLoop().schedule(idleCheck, idleNanos, TimeUnit.NANOSECONDS);
    }

    /** Client bytes to send on (not flushed until {@link #flush}). */
    public void write(ByteBuf bytes) {
        if (closed || outputEnded) {
            bytes.release();
            return;
        }
        lastActivity = ticker.nanoTime();
        channel.write(bytes, channel.voidPromise());
    }

    public void flush() {
        if (!closed) {
            channel.flush();
        }
    }

    /** The tunnel timeout, in nanoseconds: also how long the client gets to read what is left once the upstream is gone. */
    public long timeoutNanos() {
        return idleNanos;
    }

    /** Whether the upstream takes more client bytes now. */
    public boolean writable() {
        return closed || channel.isWritable();
    }

    /** The client can take more upstream bytes, or no more for now. */
    public void readUpstream(boolean read) {
        if (!closed && !inputEnded) {
            channel.config().setAutoRead(read);
        }
    }

    /** The client sent its FIN: the upstream gets one once what was written is out. */
    public void shutdownOutput() {
        if (closed || outputEnded) {
            return;
        }
        outputEnded = true;
        if (inputEnded || !(channel instanceof DuplexChannel)) {
            // Both directions are over: closed once the client's last bytes are out, not before.
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                ((DuplexChannel) channel).shutdownOutput();
            } else {
                channel.close();
            }
        });
    }

    /** Closes the upstream connection; the client hears {@link Client#onClosed}. */
    public void close() {
        channel.close();
    }

    // ---------------------------------------------------------------- from the upstream

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf) || closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastActivity = ticker.nanoTime();
        ByteBuf bytes = (ByteBuf) msg;
        if (client == null) {
            early = early == null ? bytes : ctx.alloc().compositeBuffer().addComponents(true, early, bytes);
            return;
        }
        client.onBytes(bytes);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (client != null && !closed) {
            client.onReadComplete();
            if (!client.isWritable()) {
                channel.config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (client != null && !closed) {
            client.onWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (outputEnded) {
                close();
            } else if (client != null) {
                client.onInputEnded();
            }
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (early != null) {
            early.release();
            early = null;
        }
        metrics.upgradeClosed();
        endpoint.release();
        if (client != null) {
            client.onClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("upgraded connection to {} failed: {}", endpoint, cause.toString());
        ctx.close();
    }

    private void checkIdle() {
        if (closed) {
            return;
        }
        long quiet = ticker.nanoTime() - lastActivity;
        if (quiet >= idleNanos) {
            log.debug("upgraded connection to {} idle for the tunnel timeout: closing", endpoint);
            close();
            return;
        }
        timer = channel.eventLoop().schedule(idleCheck, idleNanos - quiet, TimeUnit.NANOSECONDS);
    }
}
