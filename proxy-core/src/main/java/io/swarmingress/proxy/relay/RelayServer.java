package io.swarmingress.proxy.relay;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmRelay;
import io.swarmingress.config.SwarmSource;
import io.swarmingress.discovery.Discovery;
import io.swarmingress.discovery.RelayProtocol;
import io.swarmingress.discovery.RelayToken;
import io.swarmingress.discovery.SwarmState;
import io.swarmingress.proxy.server.Transport;

/**
 * Serves this proxy's Swarm state to the proxies on workers ({@link RelayProtocol}): one event
 * stream per follower, the whole state at once and on each change, a heartbeat every second. It
 * answers {@code GET /v1/swarm-state} and nothing else: no Docker API call passes through it, so a
 * follower, or anyone who reaches the port, can learn the routed services' task addresses and
 * routing labels and can change nothing. With a token file, only requests carrying the token are
 * answered. Meant for the routed overlay network, not for publishing.
 *
 * <p>Everything runs on one event loop of its own, so a slow follower never delays a proxied
 * request. A follower that stops reading is dropped rather than buffered for: when its connection
 * is still not writable at the second heartbeat after it filled up, it is closed (it reconnects,
 * to this relay or another, and gets the whole state again). A connection has 10 s to send its
 * request; at most {@value #MAX_FOLLOWERS} followers at once.
 */
public final class RelayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayServer.class);
    static final int MAX_FOLLOWERS = 1024;
    private static final int REQUEST_TIMEOUT_SECONDS = 10;
    private static final AttributeKey<Integer> STALLED = AttributeKey.valueOf("relay-stalled-heartbeats");

    private final EventLoopGroup group;
    private final Channel channel;
    private final ChannelGroup followers;
    private final Supplier<SwarmState> state;
    private final Supplier<Instant> lastRead;
    private final ScheduledFuture<?> heartbeat;
    /** The state sent last, so that a change notice without a new state sends nothing. Loop only. */
    private SwarmState sent;

    private RelayServer(EventLoopGroup group, Channel channel, ChannelGroup followers, Supplier<SwarmState> state,
                        Supplier<Instant> lastRead) {
        this.group = group;
        this.channel = channel;
        this.followers = followers;
        this.state = state;
        this.lastRead = lastRead;
        this.heartbeat = channel.eventLoop().scheduleAtFixedRate(this::beat, RelayProtocol.HEARTBEAT.toMillis(),
                RelayProtocol.HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * @param token the shared secret followers must send; null for none
     * @param state the state to serve, read at each change notice and each new follower; null
     *              before discovery's first read
     * @param lastRead when discovery last read Swarm (null before), for the heartbeats
     * @throws IllegalStateException when the address cannot be bound
     */
    public static RelayServer start(HostPort address, Transport transport, String token, Supplier<SwarmState> state,
                                    Supplier<Instant> lastRead) {
        EventLoopGroup group = transport.newGroup(1, "ingress-relay");
        ChannelGroup followers = new DefaultChannelGroup("relay-followers", group.next());
        RelayServer[] self = new RelayServer[1];
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            if (followers.size() >= MAX_FOLLOWERS) {
                                log.warn("relay: {} followers already, closing a connection from {}", MAX_FOLLOWERS,
                                        c.remoteAddress());
                                c.close();
                                return;
                            }
                            c.pipeline().addLast(new ReadTimeoutHandler(REQUEST_TIMEOUT_SECONDS), new HttpServerCodec(),
                                    new HttpObjectAggregator(8 * 1024), new Handler(token, self));
                        }
                    })
                    .bind(new InetSocketAddress(address.host(), address.port()))
                    .syncUninterruptibly()
                    .channel();
            self[0] = new RelayServer(group, ch, followers, state, lastRead);
            return self[0];
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("relay cannot listen on " + address + ": " + e, e);
        }
    }

    /**
     * The relay a config asks for: one for a proxy that reads the Swarm API ({@code source:
     * docker}) with {@code swarm.relay.listen}, serving the state of whatever discovery is current
     * (a reload may replace it); null otherwise.
     *
     * @throws IllegalStateException when the address cannot be bound or the token file read
     */
    public static RelayServer forConfig(IngressConfig config, Transport transport, Supplier<Discovery> discovery) {
        SwarmRelay served = served(config);
        if (served.listen() == null) {
            return null;
        }
        return start(served.listen(), transport, RelayToken.read(served), () -> {
            Discovery d = discovery.get();
            return d == null ? null : d.relayState();
        }, () -> {
            Discovery d = discovery.get();
            return d == null ? null : d.lastSuccess();
        });
    }

    /** What a relay for this config listens on and requires; {@link SwarmRelay#NONE} when none. */
    public static SwarmRelay served(IngressConfig config) {
        SwarmProviderConfig swarm = config.swarm();
        if (swarm == null || swarm.source() != SwarmSource.DOCKER || swarm.relay().listen() == null) {
            return SwarmRelay.NONE;
        }
        return new SwarmRelay(swarm.relay().listen(), List.of(), swarm.relay().tokenFile());
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Followers connected now. */
    public int followers() {
        return followers.size();
    }

    /** Discovery published a new snapshot: its state goes to every follower. Any thread. */
    public void changed() {
        channel.eventLoop().execute(this::sendState);
    }

    private void sendState() {
        SwarmState s = state.get();
        if (s == null || s == sent) {
            return;
        }
        sent = s;
        byte[] event = RelayProtocol.stateEvent(s);
        for (Channel c : followers) {
            c.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event)));
        }
        log.debug("relay: state of {} bytes read at {} sent to {} follower(s)", event.length, s.readAt(), followers.size());
    }

    private void beat() {
        byte[] event = RelayProtocol.aliveEvent(lastRead.get());
        for (Channel c : followers) {
            if (c.isWritable()) {
                c.attr(STALLED).set(0);
                c.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event)));
            } else {
                Integer stalled = c.attr(STALLED).get();
                int n = stalled == null ? 1 : stalled + 1;
                c.attr(STALLED).set(n);
                if (n >= 2) {
                    log.warn("relay: follower {} stopped reading ({} bytes waiting); dropped", c.remoteAddress(),
                            c.unsafe().outboundBuffer() == null ? 0 : c.unsafe().outboundBuffer().totalPendingWriteBytes());
                    c.close();
                }
            }
        }
    }

    /** Starts a follower's stream: the answer's head, the state and a heartbeat at once. Loop only. */
    private void follow(ChannelHandlerContext ctx) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, RelayProtocol.CONTENT_TYPE)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.write(head);
        SwarmState s = state.get();
        if (s != null) {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(RelayProtocol.stateEvent(s))));
        }
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(RelayProtocol.aliveEvent(lastRead.get()))));
        ctx.pipeline().remove(ReadTimeoutHandler.class);
        followers.add(ctx.channel());
        log.info("relay: {} follows ({} now)", ctx.channel().remoteAddress(), followers.size());
        ctx.channel().closeFuture().addListener(f -> log.info("relay: {} left", ctx.channel().remoteAddress()));
    }

    @Override
    public void close() {
        heartbeat.cancel(false);
        followers.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** One connection: one GET of the stream, or a refusal. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String token;
        private final RelayServer[] server;
        private boolean streaming;

        Handler(String token, RelayServer[] server) {
            this.token = token;
            this.server = server;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (streaming) {
                return; // a follower has nothing more to say; whatever it sends is dropped
            }
            String path = request.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            if (!request.method().equals(HttpMethod.GET)) {
                refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET " + RelayProtocol.PATH + "\n");
            } else if (!path.equals(RelayProtocol.PATH)) {
                refuse(ctx, HttpResponseStatus.NOT_FOUND, "the relay serves GET " + RelayProtocol.PATH + " only\n");
            } else if (!RelayToken.accepts(token, request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                log.warn("relay: {} sent no or a wrong token; refused", ctx.channel().remoteAddress());
                refuse(ctx, HttpResponseStatus.UNAUTHORIZED, "unauthorized\n");
            } else if (server[0] == null) {
                refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "starting\n");
            } else {
                streaming = true;
                server[0].follow(ctx);
            }
        }

        private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
                r.headers().set(HttpHeaderNames.ALLOW, "GET");
            } else if (status == HttpResponseStatus.UNAUTHORIZED) {
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            }
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a read timeout before the request, a reset, a malformed request
        }
    }
}
