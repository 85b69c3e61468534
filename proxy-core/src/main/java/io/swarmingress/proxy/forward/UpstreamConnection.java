package io.swarmingress.proxy.forward;

import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.Timeouts;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * One connection to an endpoint, and the only handler of its pipeline. It belongs to at most one
 * exchange at a time (its {@link #owner}); between exchanges it sits in its {@link UpstreamPool}
 * (the loop's, or its client connection's own), and anything it receives there is a protocol
 * error that ends it.
 *
 * <p>A connection to a service with {@code send_proxy_protocol} starts with the PROXY header,
 * written ahead of everything else the moment it connects.
 *
 * <p>While it is still connecting, what the exchange writes waits in its {@link ConnectingWrites},
 * up to a bound the exchange respects by pausing the client; the connect outcome goes to the owner.
 *
 * <p>A connection unused in the pool for the service's idle timeout is closed: the peer may be
 * gone without a word (a vanished node sends no FIN), and a request sent into it would only time
 * out. One timer per connection checks that when it fires; an IdleStateHandler would put a handler
 * hop on every read and write of every request.
 *
 * <p>On epoll, a {@link SilentPeerProbe} watches it while a request awaits its response head, and
 * gives it up like a reset once its peer has acknowledged nothing for the connect timeout, or has
 * answered none of the keepalive probes the probe asked its kernel for.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    final HostPort address;
    /** Where it goes between exchanges: the loop's pool, or its client connection's own. */
    private final UpstreamPool pool;
    /** Reads this connection's responses; one per connection because it carries state between reads. */
    final ResponseFramer framer = new ResponseFramer();
    private final long idleNanos;
    private final Runnable idleCheck = this::checkIdle;
    Exchange owner;
    Channel channel;
    private ChannelHandlerContext ctx;
    private Ticker ticker;
    private boolean connected;
    /** Inside {@link #channelRead}: a release then waits for the read batch to end. */
    private boolean reading;
    private boolean poolAfterRead;
    /** What the exchange wrote while it connects, behind the PROXY header if any. */
    private final ConnectingWrites early = new ConnectingWrites();
    private long pooledSince;
    private ScheduledFuture<?> timer;
    /** {@link SilentPeerProbe#OFF} until it connects, and for good when the transport cannot read TCP_INFO (NIO). */
    private SilentPeerProbe probe = SilentPeerProbe.OFF;

    private UpstreamConnection(HostPort address, long idleNanos, UpstreamPool pool) {
        this.address = address;
        this.idleNanos = idleNanos;
        this.pool = pool;
    }

    /** A connection for {@code owner} to the endpoint, kept in {@code pool} between exchanges; {@link #connect} opens it. */
    UpstreamConnection(Exchange owner, Endpoint endpoint, Timeouts timeouts, UpstreamPool pool) {
        this(endpoint.address(), timeouts.idle().toNanos(), pool);
        this.owner = owner;
    }

    /**
     * Connects on the client's own loop, with the client's channel type. The owner hears the
     * outcome through {@link Exchange#onConnected}, possibly before this returns.
     *
     * @param proxyHeader the PROXY header to start with (owned by this connection from now on), or null
     */
    void connect(Endpoint endpoint, Timeouts timeouts, EventLoop loop, Class<? extends Channel> channelType,
                 ByteBuf proxyHeader) {
        early.preface(proxyHeader);
        probe = SilentPeerProbe.of(this, TcpSampler.of(channelType), timeouts.connect());
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis()))
                // Names are resolved when the table is built; a lookup here would block the loop.
                .disableResolver()
                .handler(this);
        bootstrap.connect(endpoint.socketAddress()).addListener((ChannelFutureListener) f -> connected(f.isSuccess(), f.cause()));
    }

    /**
     * Opens as a stream of a multiplexed h2c connection ({@link H2cUpstreams}) instead of a socket
     * of its own: {@code opening} succeeds once the stream channel, with this handler in its
     * pipeline, is registered. The owner hears the outcome as from {@link #connect}.
     */
    void attach(Future<? extends Channel> opening) {
        opening.addListener(f -> connected(f.isSuccess(), f.cause()));
    }

    private void connected(boolean success, Throwable cause) {
        Exchange o = owner;
        if (!success) {
            early.release();
            if (o != null) {
                o.onConnected(this, cause);
            }
            return;
        }
        connected = true;
        if (o == null) {
            // The exchange ended while connecting: keep a good connection for the next one.
            early.writeTo(channel, false);
            channel.flush();
            releaseToPool();
            return;
        }
        if (early.writeTo(channel, true)) {
            channel.flush();
        }
        probe.attemptStarted(ctx.executor());
        o.onConnected(this, null);
    }

    /** Writes without flushing; queued while connecting. */
    void write(ByteBuf msg) {
        if (connected) {
            channel.write(msg, channel.voidPromise());
            return;
        }
        early.add(msg);
    }

    void flush() {
        if (connected) {
            channel.flush();
        }
    }

    /** Whether it takes more request bytes now: below the pending bound while connecting, writable once connected. */
    boolean writable() {
        return connected ? channel.isWritable() : !early.full();
    }

    void autoRead(boolean read) {
        if (connected) {
            channel.config().setAutoRead(read);
        }
    }

    /** Whether this came from the pool or has connected: writes reach the endpoint. */
    boolean connected() {
        return connected;
    }

    /** Back to the loop's pool, or closed when it cannot carry another exchange. */
    void release(boolean reusable) {
        owner = null;
        if (!reusable || !connected || !channel.isActive()) {
            close();
        } else if (reading) {
            // Ended inside a read: more of that read batch may follow (bytes after the response, in
            // the next buffer of the same batch). The pool gets it once the batch is over and clean.
            poolAfterRead = true;
        } else {
            releaseToPool();
        }
    }

    private void releaseToPool() {
        probe.withdraw(channel);
        channel.config().setAutoRead(true);
        pooledSince = ticker.nanoTime();
        pool.release(this);
    }

    void close() {
        owner = null;
        framer.stop();
        early.release();
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * Gives the connection to a tunnel after a 101: this handler leaves the pipeline (the
     * connection never returns to a pool) and the tunnel takes its place.
     */
    void handOver(Tunnel tunnel) {
        owner = null;
        framer.stop();
        early.release();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        probe.stop();
        // A tunnel's peer may think as long as it likes: no probes for the life of the tunnel.
        probe.withdraw(channel);
        pool.forget(this);
        ctx.pipeline().replace(this, "tunnel", tunnel);
    }

    /** Taken from the pool by a new exchange. */
    void lease(Exchange exchange) {
        owner = exchange;
        if (connected) {
            probe.attemptStarted(ctx.executor());
        }
    }

    /**
     * Its peer acknowledged nothing for the connect timeout, or answered no keepalive question
     * ({@code sample} null), while a request awaited its head: the exchange gives it up like a
     * reset. The endpoint's idle connections on this loop went silent with it (a lost node), so
     * they close too rather than take the next requests.
     */
    void peerSilent(TcpSample sample) {
        pool.closeIdle(address);
        Exchange o = owner;
        if (o != null) {
            o.onPeerSilent(this, sample);
        } else {
            close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.ticker = ctx.executor().ticker();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pooledSince = ticker.nanoTime();
        timer = ctx.executor().schedule(idleCheck, idleNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    private void checkIdle() {
        timer = null;
        if (!channel.isActive()) {
            return;
        }
        long next = idleNanos;
        if (owner == null) {
            long idleFor = ticker.nanoTime() - pooledSince;
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
        Exchange o = owner;
        if (o != null && msg instanceof ByteBuf) {
            reading = true;
            try {
                o.onUpstreamRead(this, (ByteBuf) msg);
            } finally {
                reading = false;
            }
        } else {
            poolAfterRead = false;
            // Bytes while idle in the pool: a late body or a response nobody asked for. Never handed on.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (poolAfterRead) {
            poolAfterRead = false;
            if (channel.isActive()) {
                releaseToPool();
            }
            return;
        }
        Exchange o = owner;
        if (o != null) {
            o.onUpstreamReadComplete(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange o = owner;
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
        probe.stop();
        pool.forget(this);
        Exchange o = owner;
        if (o != null) {
            o.onUpstreamClosed(this);
        }
        framer.stop();
        early.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (owner != null && owner.awaitsHead() && probe.unanswered(cause)) {
            // Its peer's kernel answered no keepalive probe: gone with its node, as a silent peer is.
            peerSilent(null);
            ctx.close();
            return;
        }
        // The owner learns of it through channelInactive; a reset from a backend is routine.
        ctx.close();
    }
}
