package io.swarmingress.proxy.demo;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.swarmingress.proxy.server.Transport;

/**
 * A tiny HTTP server that answers every request with its own name, so that a person watching
 * {@code curl} output sees the load balancer at work, and echoes WebSocket messages on
 * {@code /ws} (any size up to 64 MiB, read only while its answers can be written). For the
 * quickstart, not for benchmarks.
 */
public final class DemoBackend implements AutoCloseable {
    private static final WebSocketServerProtocolConfig WEBSOCKET = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath("/ws")
            .maxFramePayloadLength(64 * 1024 * 1024)
            .build();

    private final EventLoopGroup group;
    private final Channel channel;

    private DemoBackend(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static DemoBackend start(String name, InetSocketAddress address, Transport transport) {
        EventLoopGroup group = transport.newGroup(1, "demo-" + name);
        byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(),
                                    new HttpObjectAggregator(1024 * 1024), new WebSocketServerProtocolHandler(WEBSOCKET),
                                    new Echo(), new Answer(name, body));
                        }
                    })
                    .bind(address)
                    .syncUninterruptibly()
                    .channel();
            return new DemoBackend(group, ch);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("demo backend " + name + " cannot listen on " + address + ": " + e, e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /**
     * Sends every data frame back as it came (fragments too); pings and close are answered by the
     * protocol handler. Stops reading while the echoes cannot be written, so a slow reader
     * slows its writer down rather than filling this server's memory.
     */
    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            ctx.write(frame.retain());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }
    }

    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;
        private final byte[] body;

        Answer(String name, byte[] body) {
            this.name = name;
            this.body = body;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set("x-backend", name);
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
