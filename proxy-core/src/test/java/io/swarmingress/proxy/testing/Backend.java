package io.swarmingress.proxy.testing;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * A real HTTP/1.1 server on a real socket for the proxy's tests. It never aggregates, so it can
 * take and produce bodies of any size. Paths:
 * <ul>
 *   <li>{@code /headers} answers with the request line and headers it received, one per line;</li>
 *   <li>{@code /slow?ms=N} answers after N ms;</li>
 *   <li>{@code /hang} never answers;</li>
 *   <li>{@code /download?bytes=N} streams N bytes (chunked), writing only while the connection is writable;</li>
 *   <li>{@code /upload} reads the body and answers with its length;</li>
 *   <li>{@code /healthz} answers 200, or 503 after {@link #healthy healthy(false)};</li>
 *   <li>{@code /status?code=N} answers with status N;</li>
 *   <li>anything else answers with the backend's name, after the backend's own delay if it has one
 *       ({@link #slow}: an endpoint slower than its peers).</li>
 * </ul>
 */
public final class Backend implements AutoCloseable {
    private final String name;
    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<String> seenUris = new ConcurrentLinkedQueue<>();
    private volatile boolean healthy = true;
    private final long delayMs;

    private Backend(String name, long delayMs) {
        this.name = name;
        this.delayMs = delayMs;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    public static Backend start(String name) {
        return new Backend(name, 0);
    }

    /** A backend that answers its plain requests {@code delayMs} late. */
    public static Backend slow(String name, long delayMs) {
        return new Backend(name, delayMs);
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Requests answered or being answered. */
    public int requests() {
        return requests.get();
    }

    /** Connections accepted since start: shows whether the proxy reuses upstream connections. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now: shows whether the proxy closed the upstream connections it kept. */
    public int openConnections() {
        return open.get();
    }

    public Queue<String> seenUris() {
        return seenUris;
    }

    /** What {@code /healthz} answers from now on: 200 or 503. */
    public void healthy(boolean healthy) {
        this.healthy = healthy;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private long uploaded;
        private boolean keepAlive;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    request = (HttpRequest) msg;
                    keepAlive = HttpUtil.isKeepAlive(request);
                    uploaded = 0;
                    requests.incrementAndGet();
                    seenUris.add(request.uri());
                }
                if (msg instanceof HttpContent) {
                    uploaded += ((HttpContent) msg).content().readableBytes();
                    if (msg instanceof LastHttpContent) {
                        answer(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            QueryStringDecoder q = new QueryStringDecoder(request.uri());
            String path = q.path();
            if (path.equals("/hang")) {
                return;
            }
            if (path.equals("/slow")) {
                long ms = Long.parseLong(q.parameters().get("ms").get(0));
                inFlight.incrementAndGet();
                ctx.executor().schedule(() -> {
                    inFlight.decrementAndGet();
                    send(ctx, name);
                }, ms, TimeUnit.MILLISECONDS);
                return;
            }
            if (path.equals("/download")) {
                long bytes = Long.parseLong(q.parameters().get("bytes").get(0));
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(head, true);
                ctx.writeAndFlush(head);
                new Streamer(ctx, bytes).run();
                return;
            }
            if (path.equals("/healthz")) {
                send(ctx, healthy ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, name);
                return;
            }
            if (path.equals("/status")) {
                send(ctx, HttpResponseStatus.valueOf(Integer.parseInt(q.parameters().get("code").get(0))), name);
                return;
            }
            if (path.equals("/upload")) {
                send(ctx, Long.toString(uploaded));
                return;
            }
            if (path.equals("/headers")) {
                StringBuilder sb = new StringBuilder();
                sb.append(request.method()).append(' ').append(request.uri()).append(' ').append(request.protocolVersion())
                        .append('\n');
                for (Map.Entry<String, String> h : request.headers()) {
                    sb.append(h.getKey().toLowerCase()).append(": ").append(h.getValue()).append('\n');
                }
                send(ctx, sb.toString());
                return;
            }
            if (delayMs > 0) {
                ctx.executor().schedule(() -> send(ctx, name), delayMs, TimeUnit.MILLISECONDS);
                return;
            }
            send(ctx, name);
        }

        private void send(ChannelHandlerContext ctx, String body) {
            send(ctx, HttpResponseStatus.OK, body);
        }

        private void send(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .set("x-backend", name)
                    .set(HttpHeaderNames.CONNECTION, "x-hop-response")
                    .set("x-hop-response", "must not reach the client")
                    .set("keep-alive", "timeout=5");
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** Writes 16 KiB chunks while the channel is writable; resumes on writability, like any careful server. */
        private final class Streamer implements Runnable {
            private final ChannelHandlerContext ctx;
            private long remaining;

            Streamer(ChannelHandlerContext ctx, long bytes) {
                this.ctx = ctx;
                this.remaining = bytes;
            }

            @Override
            public void run() {
                while (remaining > 0 && ctx.channel().isWritable()) {
                    int n = (int) Math.min(16 * 1024, remaining);
                    ByteBuf chunk = ctx.alloc().buffer(n);
                    chunk.writeZero(n);
                    remaining -= n;
                    ctx.write(new DefaultHttpContent(chunk));
                }
                if (remaining == 0) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    return;
                }
                ctx.flush();
                if (ctx.channel().isWritable()) {
                    // The flush drained the buffer and the writability event has already passed:
                    // waiting for the next one would wait forever.
                    ctx.executor().execute(this);
                    return;
                }
                ctx.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext c) {
                        if (c.channel().isWritable()) {
                            c.pipeline().remove(this);
                            Streamer.this.run();
                        }
                        c.fireChannelWritabilityChanged();
                    }
                });
            }
        }
    }
}
