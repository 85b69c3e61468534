package io.swarmingress.proxy.forward;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.Timeouts;

/**
 * One HTTP/2 cleartext connection to an endpoint (prior knowledge), carrying the streams of any
 * client connection on its event loop: Netty's frame codec and multiplex handler, each stream a
 * child channel ({@link H2cStreamCodec} and an {@link UpstreamConnection} in its pipeline).
 *
 * <p>Flow control: each stream's receive window is the protocol's 65,535 bytes, given back only as
 * its exchange reads (a stream whose client is slow stops reading, and only it stops); the
 * connection's window is {@value #CONNECTION_WINDOW} bytes, room for every stream's window at
 * once, so streams that stopped never hold back the others. Sending, Netty's remote flow
 * controller makes a stream channel unwritable when its window is used up; the exchange then
 * stops reading its client. Streams above the endpoint's SETTINGS_MAX_CONCURRENT_STREAMS wait in
 * Netty's buffering encoder (bounded: {@link H2cUpstreams} opens another connection first).
 *
 * <p>Streams open once the endpoint's first SETTINGS arrived (its stream limit is known then).
 * It takes no new streams once the endpoint sent GOAWAY or left the routing table
 * ({@link #retire}), and closes when its last stream ends then, or after the service's idle
 * timeout without streams. A connection that failed to connect fails its waiting streams, which
 * their exchanges count as connect failures (passive health, retries) as for HTTP/1.1.
 */
final class H2cConnection {
    static final int CONNECTION_WINDOW = 8 * 1024 * 1024;
    /** Streams per connection before another is opened, whatever more the endpoint allows (nginx's default is 128). */
    static final int MAX_STREAMS = 100;
    static final int MAX_HEADER_LIST_SIZE = 64 * 1024;

    final HostPort address;
    private final Channel channel;
    private final ChannelFuture connected;
    /**
     * The endpoint's first SETTINGS arrived. Streams open only then: before it, its stream limit
     * is unknown, and a stream above the limit would be refused rather than queued.
     */
    private final Promise<Void> ready;
    private final long idleNanos;
    private Http2FrameCodec codec;
    private int streams;
    private boolean retired;
    private long idleSince;
    private ScheduledFuture<?> idleTimer;

    private H2cConnection(HostPort address, InetSocketAddress socket, Timeouts timeouts, EventLoop loop,
                          Class<? extends Channel> channelType) {
        this.address = address;
        this.idleNanos = timeouts.idle().toNanos();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis()))
                .disableResolver()
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        codec = Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                                        .maxHeaderListSize(MAX_HEADER_LIST_SIZE))
                                .encoderEnforceMaxConcurrentStreams(true)
                                .validateHeaders(true)
                                .build();
                        ch.pipeline().addLast("h2c", codec);
                        ch.pipeline().addLast("h2c-streams", new Http2MultiplexHandler(PushRefused.INSTANCE));
                        ch.pipeline().addLast("h2c-connection", new ConnectionEvents());
                    }
                });
        this.ready = loop.newPromise();
        this.connected = bootstrap.connect(socket);
        this.channel = connected.channel();
        long settingsWithin = timeouts.connect().toNanos();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            // An endpoint that accepts but never speaks HTTP/2 would hold its streams for ever: within
            // the connect timeout its SETTINGS must come too, or the connection failed to connect.
            loop.schedule(() -> {
                if (!ready.isDone()) {
                    channel.close();
                }
            }, settingsWithin, TimeUnit.NANOSECONDS);
        });
        channel.closeFuture().addListener(f -> ready.tryFailure(new ConnectException("h2c connection to " + address
                + " closed before its SETTINGS")));
        this.idleSince = loop.ticker().nanoTime();
    }

    static H2cConnection open(HostPort address, InetSocketAddress socket, Timeouts timeouts, EventLoop loop,
                              Class<? extends Channel> channelType) {
        return new H2cConnection(address, socket, timeouts, loop, channelType);
    }

    /** Closed: when it closes, however it closes. */
    Future<Void> closeFuture() {
        return channel.closeFuture();
    }

    /** Whether a new stream may go here now: open, not retired, no GOAWAY, below the endpoint's limit and ours. */
    boolean takesStream() {
        if (retired || !channel.isOpen()) {
            return false;
        }
        if (codec == null || !ready.isSuccess()) {
            return streams < MAX_STREAMS;
        }
        return !codec.connection().goAwayReceived() && streams < Math.min(MAX_STREAMS, codec.connection().local().maxActiveStreams());
    }

    /** Whether it may still carry streams at all (it is open and not retired). */
    boolean usable() {
        return !retired && channel.isOpen() && (codec == null || !codec.connection().goAwayReceived());
    }

    int streams() {
        return streams;
    }

    /**
     * Opens a stream with {@code handlers} (added in order) in its pipeline, once connected and
     * the endpoint's SETTINGS arrived. The returned future fails with the connect's cause when the
     * connection cannot be made.
     */
    Future<Http2StreamChannel> openStream(ChannelHandler... handlers) {
        streams++;
        cancelIdleTimer();
        Promise<Http2StreamChannel> opened = channel.eventLoop().newPromise();
        opened.addListener(f -> {
            if (f.isSuccess()) {
                ((Http2StreamChannel) f.getNow()).closeFuture().addListener(c -> streamEnded());
            } else {
                streamEnded();
            }
        });
        ready.addListener(f -> {
            if (!f.isSuccess()) {
                opened.tryFailure(f.cause());
                return;
            }
            new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(handlers);
                }
            }).open(opened);
        });
        return opened;
    }

    /** Takes no more streams, and closes once those it carries ended (the endpoint left the table). */
    void retire() {
        retired = true;
        if (streams == 0) {
            channel.close();
        }
    }

    private void streamEnded() {
        streams--;
        if (streams > 0) {
            return;
        }
        if (!usable()) {
            channel.close();
            return;
        }
        idleSince = channel.eventLoop().ticker().nanoTime();
        idleTimer = channel.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        idleTimer = null;
        if (streams == 0 && channel.eventLoop().ticker().nanoTime() - idleSince >= idleNanos) {
            channel.close();
        }
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /**
     * Widens the connection's receive window once the preface is out; drops the connection-level
     * frames the codec hands on (SETTINGS, PING, GOAWAY: it acted on them already, and the
     * multiplexer told the streams a GOAWAY concerns); closes the connection on an error.
     */
    private final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame) {
                ready.trySuccess(null);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            // After the codec's channelActive, which wrote the preface and SETTINGS.
            codec.connection().local().flowController().incrementWindowSize(codec.connection().connectionStream(),
                    CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
            ctx.flush();
            ctx.fireChannelActive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Its streams hear of it as they close: a reset before their response, or a cut after.
            ctx.close();
        }
    }

    /** Server push is off (SETTINGS_ENABLE_PUSH 0): a pushed stream is a broken peer's, and is closed. */
    @ChannelHandler.Sharable
    private static final class PushRefused extends ChannelInboundHandlerAdapter {
        static final PushRefused INSTANCE = new PushRefused();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }
}
