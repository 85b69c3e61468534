package io.swarmingress.proxy.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.proxy.metrics.RequestMetrics;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Route;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.UpstreamPool;

/**
 * One client connection of an http entrypoint, proxied one exchange at a time.
 *
 * <p>Bodies are streamed, never aggregated: each decoded chunk is written to the other side as it
 * arrives, and reading stops while the other side is not writable, so memory per connection is
 * bounded by the channels' write-buffer high-water marks whatever the body size. The upstream
 * connection is taken from the pool of this connection's own event loop, so an exchange never
 * crosses threads and needs no lock.
 *
 * <p>An exchange ends when its response has been sent and its request read to the end. Requests a
 * client pipelines meanwhile wait in a small queue; past its bound the connection stops reading.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements ResponseFramer.Sink {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    /** Decoded messages held for a pipelining client before reading pauses. */
    private static final int MAX_QUEUED = 32;
    /** Body bytes held while the upstream connection is being opened before reading pauses. */
    private static final int MAX_PENDING_BYTES = 64 * 1024;
    /** Counted when the client went away before its response was complete (nginx's convention). */
    private static final int CLIENT_CLOSED = 499;

    private final EntrypointContext entrypoint;
    private final Runnable timeoutTask = this::onTimer;
    private final ArrayDeque<Object> queued = new ArrayDeque<>(4);
    private ChannelHandlerContext ctx;
    private String clientAddress;
    private String localPort;
    private String lastHostHeader;
    private String lastHost;
    private boolean closing;

    // The exchange in progress; reset by finish().
    private boolean inExchange;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean discarding;
    private boolean expectContinue;
    private boolean headRequest;
    private boolean http10;
    private boolean clientKeepAlive;
    private boolean closeAfterResponse;
    private boolean upstreamReusable;
    private int status;
    private long startNanos;
    private long requestSentNanos;
    private long lastActivityNanos;
    private long lastClientReadNanos;
    private RequestMetrics metrics;
    private Service service;
    private Endpoint endpoint;
    private UpstreamHandler upstream;
    private boolean upstreamConnected;
    private List<HttpObject> pending;
    private int pendingBytes;
    private ScheduledFuture<?> timer;
    private long timerDueNanos;

    HttpProxyHandler(EntrypointContext entrypoint) {
        this.entrypoint = entrypoint;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        clientAddress = remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress() : String.valueOf(remote);
        SocketAddress local = ctx.channel().localAddress();
        localPort = local instanceof InetSocketAddress ? Integer.toString(((InetSocketAddress) local).getPort()) : "";
        lastClientReadNanos = System.nanoTime();
        long idle = entrypoint.config().clientIdleTimeout().toNanos();
        timerDueNanos = lastClientReadNanos + idle;
        timer = ctx.executor().schedule(timeoutTask, idle, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    // ---------------------------------------------------------------- client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!queued.isEmpty() || (inExchange && requestComplete)) {
            queued.add(msg);
            updateClientRead();
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest) {
            onRequestHead((HttpRequest) msg);
        } else if (msg instanceof HttpContent) {
            onRequestContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastClientReadNanos = System.nanoTime();
        if (upstream != null && upstreamConnected) {
            upstream.channel.flush();
        }
        ctx.flush();
    }

    private void onRequestHead(HttpRequest request) {
        if (inExchange) {
            // A head inside a body cannot come from the decoder; treat it as a broken stream.
            ReferenceCountUtil.release(request);
            abort("request head inside a request");
            return;
        }
        startExchange(request);
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(request);
            requestComplete = true;
            metrics = entrypoint.table().unrouted(entrypoint.name());
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                respondLocally(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long", true);
            } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                respondLocally(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large", true);
            } else {
                respondLocally(HttpResponseStatus.BAD_REQUEST, "malformed request", true);
            }
            return;
        }
        RoutingTable table = entrypoint.table();
        HttpHeaders headers = request.headers();
        http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        clientKeepAlive = HttpUtil.isKeepAlive(request) && !entrypoint.draining();
        expectContinue = HttpUtil.is100ContinueExpected(request);
        headRequest = request.method().equals(HttpMethod.HEAD);
        if (request instanceof LastHttpContent) {
            requestComplete = true;
        }

        if (request.method().equals(HttpMethod.CONNECT)) {
            rejectHead(table, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported");
            return;
        }
        String uri = request.uri();
        String hostHeader = headers.get(HttpHeaderNames.HOST);
        if (!uri.isEmpty() && uri.charAt(0) != '/') {
            // Absolute form (RFC 9112 section 3.2.2): its authority replaces Host, and the upstream gets origin form.
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int slash = uri.indexOf('/', scheme + 3);
                hostHeader = slash < 0 ? uri.substring(scheme + 3) : uri.substring(scheme + 3, slash);
                uri = slash < 0 ? "/" : uri.substring(slash);
                headers.set(HttpHeaderNames.HOST, hostHeader);
            } else if (!uri.equals("*")) {
                rejectHead(table, request, HttpResponseStatus.BAD_REQUEST, "invalid request target");
                return;
            }
        }
        if ((hostHeader == null && !http10) || hasSecondHost(headers)) {
            rejectHead(table, request, HttpResponseStatus.BAD_REQUEST, "exactly one Host header is required");
            return;
        }
        String host = normalizeHost(hostHeader);
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);

        Route route = table.router(entrypoint.name()) == null ? null : table.router(entrypoint.name()).match(host, path, headers);
        if (route == null) {
            ReferenceCountUtil.release(request);
            metrics = table.unrouted(entrypoint.name());
            respondLocally(HttpResponseStatus.NOT_FOUND, "no route for this host and path", false);
            return;
        }
        metrics = route.metrics();
        service = route.service();
        Endpoint picked = service.pick();
        if (picked == null) {
            ReferenceCountUtil.release(request);
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "service '" + service.name() + "' has no endpoints", false);
            return;
        }
        endpoint = picked;
        picked.acquire();

        HeaderRewriter.removeHopByHop(headers);
        HeaderRewriter.addForwarded(headers, clientAddress, hostHeader, localPort, entrypoint.config().via());
        if (hostHeader == null) {
            // An HTTP/1.0 request may lack Host; it goes upstream as HTTP/1.1, which requires one.
            headers.set(HttpHeaderNames.HOST, picked.address().toString());
        }
        request.setUri(route.rewriteUri(uri));
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        armTimer();
        sendUpstream(request);
    }

    /** RFC 9112 section 3.2: more than one Host is a 400; checked without copying the values. */
    private static boolean hasSecondHost(HttpHeaders headers) {
        Iterator<? extends CharSequence> hosts = headers.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return false;
        }
        hosts.next();
        return hosts.hasNext();
    }

    /** Answers a request that will not be forwarded. */
    private void rejectHead(RoutingTable table, HttpRequest request, HttpResponseStatus status, String detail) {
        ReferenceCountUtil.release(request);
        metrics = table.unrouted(entrypoint.name());
        respondLocally(status, detail, true);
    }

    private void startExchange(HttpRequest request) {
        inExchange = true;
        requestComplete = false;
        responseStarted = false;
        discarding = false;
        closeAfterResponse = false;
        upstreamReusable = false;
        status = 0;
        startNanos = System.nanoTime();
        lastActivityNanos = startNanos;
    }

    private String normalizeHost(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        if (hostHeader.equals(lastHostHeader)) {
            return lastHost;
        }
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(1, close);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        h = h.toLowerCase(Locale.ROOT);
        lastHostHeader = hostHeader;
        lastHost = h;
        return h;
    }

    private void onRequestContent(HttpContent content) {
        if (!inExchange) {
            // The rest of a request that was already answered and ended, e.g. after an error.
            content.release();
            return;
        }
        lastActivityNanos = System.nanoTime();
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            content.release();
            requestComplete = true;
            if (responseStarted) {
                abort("malformed request body");
            } else {
                closeUpstream();
                respondLocally(HttpResponseStatus.BAD_REQUEST, "malformed request body", true);
            }
            return;
        }
        if (discarding) {
            content.release();
            if (last) {
                discarding = false;
                requestComplete = true;
                finish();
            }
            return;
        }
        if (last) {
            requestComplete = true;
            requestSentNanos = lastActivityNanos;
        }
        sendUpstream(content);
    }

    // ---------------------------------------------------------------- upstream side

    private void sendUpstream(HttpObject msg) {
        if (upstream == null) {
            Channel pooled = UpstreamPool.current().acquire(endpoint.address());
            if (pooled != null) {
                attach(pooled.pipeline().get(UpstreamHandler.class));
                upstreamConnected = true;
            } else {
                connect();
            }
        }
        if (upstreamConnected) {
            // No flush: the rest of the request usually follows in this read batch, and
            // channelReadComplete flushes all of it with one write.
            upstream.channel.write(msg, upstream.channel.voidPromise());
        } else {
            if (pending == null) {
                pending = new ArrayList<>(4);
            }
            pending.add(msg);
            if (msg instanceof HttpContent) {
                pendingBytes += ((HttpContent) msg).content().readableBytes();
            }
        }
        updateClientRead();
    }

    private void connect() {
        UpstreamHandler handler = new UpstreamHandler(endpoint.address());
        Bootstrap bootstrap = new Bootstrap()
                .group(ctx.channel().eventLoop())
                .channel(entrypoint.transport().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, service.timeouts().connect().toMillis()))
                // Names are resolved when the table is built; a lookup here would block the loop.
                .disableResolver()
                .handler(new UpstreamInitializer(handler, service.timeouts().idle()));
        attach(handler);
        ChannelFuture connect = bootstrap.connect(endpoint.socketAddress());
        connect.addListener((ChannelFutureListener) f -> onConnected(handler, f));
    }

    private void onConnected(UpstreamHandler handler, ChannelFuture f) {
        if (upstream != handler) {
            // The exchange ended while connecting: keep a good connection for the next one.
            if (f.isSuccess()) {
                UpstreamPool.current().release(handler.address, f.channel());
            }
            return;
        }
        if (!f.isSuccess()) {
            service.connectFailed();
            log.debug("connect to {} of service {} failed: {}", endpoint, service.name(), f.cause().toString());
            failUpstream(HttpResponseStatus.BAD_GATEWAY, "cannot connect to an endpoint of '" + service.name() + "'");
            return;
        }
        upstreamConnected = true;
        flushPending();
        updateClientRead();
    }

    private void attach(UpstreamHandler handler) {
        upstream = handler;
        handler.owner = this;
        handler.framer.start(headRequest);
    }

    private void flushPending() {
        if (pending != null) {
            Channel ch = upstream.channel;
            for (HttpObject msg : pending) {
                ch.write(msg, ch.voidPromise());
            }
            pending = null;
            pendingBytes = 0;
            ch.flush();
        }
    }

    void onUpstreamRead(UpstreamHandler from, ByteBuf msg) {
        if (from != upstream) {
            msg.release();
            return;
        }
        lastActivityNanos = System.nanoTime();
        from.framer.feed(msg, this);
    }

    @Override
    public void onResponseHead(ResponseFramer head) {
        int code = head.status();
        if (code < 200) {
            if (code == 101) {
                // Upgrades are not offered upstream (Upgrade is hop-by-hop and removed), so this is a broken peer.
                failUpstream(HttpResponseStatus.BAD_GATEWAY, "unexpected 101 from an endpoint of '" + service.name() + "'");
                return;
            }
            // RFC 9110 section 15.2: an HTTP/1.0 client would take an interim response for the final one.
            if (!http10) {
                ctx.write(head.encodeHead(ctx.alloc(), false, null, null), ctx.voidPromise());
            }
            return;
        }
        responseStarted = true;
        status = code;
        upstreamReusable = head.keepAlive();
        boolean close = !clientKeepAlive || entrypoint.draining() || closeAfterResponse;
        if (head.endsAtClose()) {
            // The body ends when the upstream closes; the client can only learn that the same way.
            close = true;
            upstreamReusable = false;
        }
        boolean dechunk = http10 && head.chunked();
        if (dechunk) {
            head.dechunk();
            close = true;
        }
        if (close) {
            closeAfterResponse = true;
        }
        String connection = close ? "close" : http10 ? "keep-alive" : null;
        String via = entrypoint.config().via() ? HeaderRewriter.VIA_VALUE : null;
        ctx.write(head.encodeHead(ctx.alloc(), dechunk, connection, via), ctx.voidPromise());
    }

    @Override
    public void onResponseBody(ByteBuf bytes) {
        ctx.write(bytes, ctx.voidPromise());
        if (!ctx.channel().isWritable() && upstream != null) {
            upstream.channel.config().setAutoRead(false);
        }
    }

    @Override
    public void onResponseEnd(boolean reusable) {
        // Flushed here: once finished, the upstream's read-complete no longer reaches this handler.
        ctx.flush();
        if (!reusable) {
            upstreamReusable = false;
        }
        if (!requestComplete) {
            // Answered before the body was sent (e.g. 413): neither connection can be reused.
            upstreamReusable = false;
            closeAfterResponse = true;
        }
        finish();
    }

    @Override
    public void onResponseError(String reason) {
        String detail = "invalid response from an endpoint of '" + service.name() + "': " + reason;
        if (responseStarted) {
            abort(detail);
        } else {
            failUpstream(HttpResponseStatus.BAD_GATEWAY, detail);
        }
    }

    void onUpstreamReadComplete(UpstreamHandler from) {
        if (from == upstream) {
            ctx.flush();
        }
    }

    void onUpstreamWritabilityChanged(UpstreamHandler from) {
        if (from == upstream) {
            updateClientRead();
        }
    }

    void onUpstreamClosed(UpstreamHandler from) {
        if (from != upstream || from.framer.onClose(this)) {
            // Not ours any more, or a body delimited by the close that is now complete.
            return;
        }
        if (responseStarted) {
            abort("endpoint closed the connection mid-response");
        } else {
            failUpstream(HttpResponseStatus.BAD_GATEWAY, "an endpoint of '" + service.name() + "' closed the connection");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null && upstreamConnected) {
            upstream.channel.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---------------------------------------------------------------- endings

    /** Answers from the proxy itself; the exchange ends once the request has been read to its end. */
    private void respondLocally(HttpResponseStatus status, String detail, boolean close) {
        responseStarted = true;
        this.status = status.code();
        if (close || expectContinue || !clientKeepAlive || entrypoint.draining()) {
            closeAfterResponse = true;
        }
        String connection = closeAfterResponse ? "close" : http10 ? "keep-alive" : null;
        ctx.write(LocalResponses.create(ctx.alloc(), status, detail, connection), ctx.voidPromise());
        if (requestComplete || closeAfterResponse) {
            finish();
        } else {
            discarding = true;
        }
    }

    private void failUpstream(HttpResponseStatus status, String detail) {
        closeUpstream();
        releasePending();
        if (responseStarted) {
            abort(detail);
            return;
        }
        if (!requestComplete) {
            // Part of the body may be gone already; the rest is read and dropped.
            closeAfterResponse = closeAfterResponse || expectContinue;
        }
        respondLocally(status, detail, false);
        ctx.flush();
        // Reading may have been paused for the upstream that is gone; the rest of the body must drain.
        updateClientRead();
    }

    /** Ends the exchange that completed normally, and starts the next queued one. */
    private void finish() {
        if (metrics != null) {
            metrics.record(status, startNanos);
        }
        if (endpoint != null) {
            endpoint.release();
            endpoint = null;
        }
        if (upstream != null) {
            UpstreamHandler u = upstream;
            upstream = null;
            u.owner = null;
            if (upstreamConnected && upstreamReusable && requestComplete && u.channel.isActive()) {
                u.channel.config().setAutoRead(true);
                UpstreamPool.current().release(u.address, u.channel);
            } else {
                u.channel.close();
            }
        }
        upstreamConnected = false;
        releasePending();
        inExchange = false;
        service = null;
        metrics = null;
        if (closeAfterResponse || !clientKeepAlive || entrypoint.draining()) {
            closing = true;
            releaseQueued();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!queued.isEmpty()) {
            while (!queued.isEmpty() && !(inExchange && requestComplete) && !closing) {
                dispatch(queued.poll());
            }
            // finish() may run from the upstream's read, where no client read-complete follows to flush.
            if (upstream != null && upstreamConnected) {
                upstream.channel.flush();
            }
            ctx.flush();
        }
        updateClientRead();
    }

    /** Ends the exchange by closing both connections: the response cannot be completed. */
    private void abort(String reason) {
        log.debug("aborting exchange on {}: {}", ctx.channel(), reason);
        if (inExchange && metrics != null) {
            metrics.record(status == 0 ? HttpResponseStatus.BAD_GATEWAY.code() : status, startNanos);
            metrics = null;
        }
        resetAfterFailure();
        ctx.flush();
        ctx.close();
    }

    private void resetAfterFailure() {
        cancelTimer();
        closeUpstream();
        releasePending();
        releaseQueued();
        if (endpoint != null) {
            endpoint.release();
            endpoint = null;
        }
        inExchange = false;
        closing = true;
    }

    private void closeUpstream() {
        if (upstream != null) {
            UpstreamHandler u = upstream;
            upstream = null;
            u.owner = null;
            u.framer.stop();
            u.channel.close();
        }
        upstreamConnected = false;
    }

    private void releasePending() {
        if (pending != null) {
            for (HttpObject msg : pending) {
                ReferenceCountUtil.release(msg);
            }
            pending = null;
            pendingBytes = 0;
        }
    }

    private void releaseQueued() {
        Object msg;
        while ((msg = queued.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---------------------------------------------------------------- flow control and timers

    /**
     * Reads from the client only while what it sends has somewhere to go: the upstream connection
     * can take more, the connect buffer and the pipelining queue have room.
     */
    private void updateClientRead() {
        boolean read = queued.size() < MAX_QUEUED && pendingBytes < MAX_PENDING_BYTES
                && (upstream == null || !upstreamConnected || upstream.channel.isWritable());
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    /**
     * Makes sure the connection's timer is running. One timer serves every exchange of the
     * connection: it is armed at most once per connection and, when it fires, checks the deadline
     * of whatever exchange is in progress then. Scheduling and cancelling a timer per request would
     * cost two priority-queue operations and an allocation on every request.
     */
    private void armTimer() {
        long delay = Math.min(service.timeouts().response().toNanos(), service.timeouts().idle().toNanos());
        long due = startNanos + delay;
        if (timer != null && timerDueNanos - due <= 0) {
            return;
        }
        // None running, or it would fire too late for this service's shorter timeouts.
        cancelTimer();
        timerDueNanos = due;
        timer = ctx.executor().schedule(timeoutTask, delay, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * The connection's only timer. Between exchanges (or while dropping a rejected body) it is the
     * client's keep-alive idle timeout; during an exchange, the response deadline while waiting for
     * the head and the idle deadline otherwise. Folding the client idle check in here saves a
     * handler, and its work on every read, in every client pipeline.
     */
    private void onTimer() {
        timer = null;
        if (closing) {
            return;
        }
        long now = System.nanoTime();
        if (!inExchange || discarding || service == null) {
            long due = lastClientReadNanos + entrypoint.config().clientIdleTimeout().toNanos();
            if (now - due >= 0) {
                // A keep-alive client that went quiet, or one that stopped sending a body nobody will read.
                ctx.close();
                return;
            }
            timerDueNanos = due;
            timer = ctx.executor().schedule(timeoutTask, due - now, TimeUnit.NANOSECONDS);
            return;
        }
        boolean waitingForHead = !responseStarted && requestComplete;
        long deadline = waitingForHead
                ? requestSentNanos + service.timeouts().response().toNanos()
                : lastActivityNanos + service.timeouts().idle().toNanos();
        if (now - deadline >= 0) {
            if (!responseStarted) {
                failUpstream(HttpResponseStatus.GATEWAY_TIMEOUT, "an endpoint of '" + service.name() + "' did not answer in time");
                if (timer == null && !closing) {
                    // The connection lives on (keep-alive, or a body to drop): it still needs its idle check.
                    long due = lastClientReadNanos + entrypoint.config().clientIdleTimeout().toNanos();
                    timerDueNanos = due;
                    timer = ctx.executor().schedule(timeoutTask, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } else {
                abort("exchange idle for longer than " + service.timeouts().idle());
            }
            return;
        }
        timerDueNanos = deadline;
        timer = ctx.executor().schedule(timeoutTask, deadline - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            clientKeepAlive = false;
            if (!inExchange) {
                ctx.close();
            }
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (inExchange && metrics != null) {
            metrics.record(CLIENT_CLOSED, startNanos);
            metrics = null;
        }
        resetAfterFailure();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
