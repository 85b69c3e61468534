package io.swarmingress.proxy.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.proxy.metrics.ConnectionMeters;
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
 * <p>Both directions are read as bytes, not as decoded messages: {@link RequestParser} checks each
 * request head in place and writes the head the upstream gets, {@link ResponseFramer} does the
 * same for responses, and bodies pass as slices of the buffers read. This handler is the first and
 * only HTTP handler of the client pipeline.
 *
 * <p>An exchange ends when its response has been sent and its request read to the end. Requests a
 * client pipelines meanwhile wait unread in the connection's buffer; past a bound the connection
 * stops reading.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter implements ResponseFramer.Sink, RequestParser.Sink {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    /** Unread bytes held for a pipelining client before reading pauses. */
    private static final int MAX_BUFFERED = 64 * 1024;
    /** Body bytes held while the upstream connection is being opened before reading pauses. */
    private static final int MAX_PENDING_BYTES = 64 * 1024;
    /** Counted when the client went away before its response was complete (nginx's convention). */
    private static final int CLIENT_CLOSED = 499;
    /** A rejected body is read and dropped up to this size to keep the connection; past it, the connection closes. */
    private static final long MAX_DISCARD = 1024 * 1024;
    /**
     * How long, and for how many bytes, a connection closed after a response keeps reading what the
     * client still sends: closing a socket with unread input resets it, and the reset can destroy
     * the response in the client's buffers before it was read (RFC 9112 section 9.6).
     */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long MAX_LINGER_BYTES = 1024 * 1024;
    static final String VIA_VALUE = "1.1 swarm-ingress";

    private final EntrypointContext entrypoint;
    private final Runnable timeoutTask = this::onTimer;
    private final RequestParser parser = new RequestParser();
    private ChannelHandlerContext ctx;
    /** The event loop's clock: the one its timers run on, and the one tests move. */
    private Ticker ticker;
    private ClientDeadlines deadlines;
    private long discarded;
    private long lingered;
    /** Client bytes not parsed yet: a partial head, or requests pipelined behind the current one. */
    private ByteBuf inbound;
    private boolean reading;
    private String clientAddress;
    /** This connection's X-Forwarded-Proto and -Port lines, the same for every request. */
    private byte[] forwardedLines;
    private String lastHostHeader;
    private String lastHost;
    private boolean closing;
    /** Bytes read and written since the meters were last told (once per read batch or flush). */
    private long bytesIn;
    private long bytesOut;

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
    private RequestMetrics metrics;
    private Service service;
    private Endpoint endpoint;
    private UpstreamHandler upstream;
    private boolean upstreamConnected;
    private List<ByteBuf> pending;
    private int pendingBytes;
    private ScheduledFuture<?> timer;
    private long timerDueNanos;

    HttpProxyHandler(EntrypointContext entrypoint) {
        this.entrypoint = entrypoint;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ticker = ctx.executor().ticker();
        if (ctx.channel().isActive()) {
            connectionStarted();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (deadlines == null) {
            connectionStarted();
        }
        ctx.fireChannelActive();
    }

    /** The connection is up: from accept, or when the handler joins a connection already open (tests). */
    private void connectionStarted() {
        SocketAddress remote = ctx.channel().remoteAddress();
        clientAddress = remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress() : String.valueOf(remote);
        SocketAddress local = ctx.channel().localAddress();
        String localPort = local instanceof InetSocketAddress ? Integer.toString(((InetSocketAddress) local).getPort()) : "";
        forwardedLines = ("x-forwarded-proto: http\r\nx-forwarded-port: " + localPort + "\r\n").getBytes(StandardCharsets.US_ASCII);
        deadlines = new ClientDeadlines(entrypoint.config().limits());
        deadlines.accepted(ticker.nanoTime());
        ensureTimer(deadlines.next(true));
        entrypoint.meters().opened();
    }

    // ---------------------------------------------------------------- client side

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            bytesIn += ((ByteBuf) msg).readableBytes();
        }
        if (closing || !(msg instanceof ByteBuf)) {
            if (msg instanceof ByteBuf && (lingered += ((ByteBuf) msg).readableBytes()) > MAX_LINGER_BYTES) {
                ctx.close();
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        inbound = inbound == null ? in : cumulate(inbound, in);
        readRequests();
    }

    /**
     * Appends a read to the unparsed bytes, in place when they are ours alone and there is room,
     * else into a buffer twice as large: a client trickling a head byte by byte costs linear
     * copying, not quadratic. Slices of the old buffer (body bytes already sent on) stay valid.
     */
    private ByteBuf cumulate(ByteBuf unread, ByteBuf in) {
        if (!unread.isReadable()) {
            unread.release();
            return in;
        }
        int needed = in.readableBytes();
        if (unread.refCnt() == 1 && !unread.isReadOnly() && unread.writableBytes() >= needed) {
            unread.writeBytes(in);
            in.release();
            return unread;
        }
        ByteBuf grown = ctx.alloc().buffer(Math.max(1024, 2 * (unread.readableBytes() + needed)));
        grown.writeBytes(unread).writeBytes(in);
        unread.release();
        in.release();
        return grown;
    }

    /**
     * Parses what the client sent until the current request is complete (a pipelined one waits
     * for its turn), the bytes run out, or the connection is closing. Not re-entered: an exchange
     * that ends inside a callback lets the loop already running go on.
     */
    private void readRequests() {
        if (reading) {
            return;
        }
        reading = true;
        try {
            // A client that does not read its answers gets no more of them: between requests, parsing
            // waits while its connection is not writable (channelWritabilityChanged resumes it).
            while (inbound != null && inbound.isReadable() && !closing && !(inExchange && requestComplete)
                    && (inExchange || ctx.channel().isWritable())) {
                if (!parser.feed(inbound, this)) {
                    break;
                }
            }
        } finally {
            reading = false;
        }
        if (inbound != null && (closing || !inbound.isReadable())) {
            releaseInbound();
        }
        if (!closing) {
            if (!inExchange && inbound != null) {
                // Part of the next head is here: it is due a fixed time after its first byte.
                deadlines.headPending(ticker.nanoTime());
                ensureTimer(deadlines.next(true));
            } else if (deadlines.readingBody()) {
                ensureTimer(deadlines.next(false));
            }
        }
        updateClientRead();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        deadlines.read(ticker.nanoTime());
        entrypoint.meters().read(bytesIn);
        bytesIn = 0;
        if (upstream != null && upstreamConnected) {
            upstream.channel.flush();
        }
        flushClient();
    }

    @Override
    public void onRequestHead(RequestParser request) {
        startExchange();
        requestComplete = !request.hasBody();
        if (!requestComplete) {
            deadlines.bodyStarted(startNanos);
        }
        http10 = request.http10();
        clientKeepAlive = request.keepAlive() && !entrypoint.draining();
        expectContinue = request.expectContinue();
        headRequest = request.methodIs("HEAD");
        RoutingTable table = entrypoint.table();
        if (request.methodIs("CONNECT")) {
            reject(table, HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported");
            return;
        }
        RequestTarget target = request.target();
        String hostHeader = request.host();
        // A Host line to write instead of the client's: from an absolute-form target, or for a client without one.
        String upstreamHost = null;
        String path = target.path();
        switch (target.form()) {
            case ABSOLUTE:
                // RFC 9112 section 3.2.2: the target's authority replaces Host, and the upstream gets origin form.
                hostHeader = target.authority();
                upstreamHost = hostHeader;
                request.dropHost();
                break;
            case ASTERISK:
                if (!request.methodIs("OPTIONS")) {
                    reject(table, HttpResponseStatus.BAD_REQUEST, "the asterisk target is only for OPTIONS");
                    return;
                }
                // A question to the server as a whole: routed as its root, forwarded as "*".
                path = "/";
                break;
            case AUTHORITY:
                reject(table, HttpResponseStatus.BAD_REQUEST, "invalid request target");
                return;
            default:
                break;
        }
        // RFC 9112 section 3.2: an HTTP/1.1 request has one Host, whatever the form of its target.
        if (request.host() == null && !http10) {
            reject(table, HttpResponseStatus.BAD_REQUEST, "a Host header is required");
            return;
        }
        String host = normalizeHost(hostHeader);

        Route route = table.router(entrypoint.name()) == null ? null : table.router(entrypoint.name()).match(host, path, request);
        if (route == null) {
            metrics = table.unrouted(entrypoint.name());
            respondLocally(HttpResponseStatus.NOT_FOUND, "no route for this host and path", false);
            return;
        }
        metrics = route.metrics();
        service = route.service();
        Endpoint picked = service.pick();
        if (picked == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "service '" + service.name() + "' has no endpoints", false);
            return;
        }
        endpoint = picked;
        picked.acquire();
        if (hostHeader == null) {
            // An HTTP/1.0 request may lack Host; it goes upstream as HTTP/1.1, which requires one.
            upstreamHost = picked.address().toString();
        }
        String upstreamTarget = target.form() == RequestTarget.Form.ASTERISK ? "*" : route.rewritePath(path) + target.query();
        ByteBuf head = request.encodeHead(ctx.alloc(), upstreamTarget, upstreamHost, clientAddress, forwardedLines,
                hostHeader, entrypoint.config().via() ? VIA_VALUE : null);
        if (requestComplete) {
            requestSentNanos = startNanos;
        }
        armTimer();
        sendUpstream(head);
    }

    /** Answers a request that will not be forwarded, and closes: what follows it cannot be trusted. */
    private void reject(RoutingTable table, HttpResponseStatus status, String detail) {
        metrics = table.unrouted(entrypoint.name());
        respondLocally(status, detail, true);
    }

    @Override
    public void onRequestError(HttpResponseStatus status, String reason) {
        if (inExchange) {
            // The body of the request in progress is malformed.
            requestComplete = true;
            if (responseStarted) {
                abort("malformed request body");
            } else {
                closeUpstream();
                respondLocally(HttpResponseStatus.BAD_REQUEST, reason, true);
            }
            return;
        }
        startExchange();
        requestComplete = true;
        deadlines.bodyDone();
        http10 = false;
        clientKeepAlive = false;
        expectContinue = false;
        reject(entrypoint.table(), status, reason);
    }

    private void startExchange() {
        inExchange = true;
        requestComplete = false;
        headRequest = false;
        responseStarted = false;
        discarding = false;
        closeAfterResponse = false;
        upstreamReusable = false;
        status = 0;
        discarded = 0;
        startNanos = ticker.nanoTime();
        lastActivityNanos = startNanos;
        deadlines.headDone();
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

    @Override
    public void onRequestBody(ByteBuf bytes) {
        int n = bytes.readableBytes();
        deadlines.bodyReceived(n);
        if (!inExchange || discarding) {
            // The rest of a request that was answered already, e.g. a 404 with a body.
            bytes.release();
            if ((discarded += n) > MAX_DISCARD) {
                closing = true;
                ctx.close();
            }
            return;
        }
        lastActivityNanos = ticker.nanoTime();
        sendUpstream(bytes);
    }

    @Override
    public void onRequestEnd() {
        requestComplete = true;
        deadlines.bodyDone();
        if (discarding) {
            discarding = false;
            finish();
            return;
        }
        requestSentNanos = ticker.nanoTime();
    }

    // ---------------------------------------------------------------- upstream side

    private void sendUpstream(ByteBuf msg) {
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
            pendingBytes += msg.readableBytes();
        }
        updateClientRead();
    }

    private void connect() {
        UpstreamHandler handler = new UpstreamHandler(endpoint.address(), service.timeouts().idle());
        Bootstrap bootstrap = new Bootstrap()
                .group(ctx.channel().eventLoop())
                .channel(entrypoint.transport().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, service.timeouts().connect().toMillis()))
                // Names are resolved when the table is built; a lookup here would block the loop.
                .disableResolver()
                .handler(handler);
        attach(handler);
        ChannelFuture connect = bootstrap.connect(endpoint.socketAddress());
        connect.addListener((ChannelFutureListener) f -> onConnected(handler, f));
    }

    private void onConnected(UpstreamHandler handler, ChannelFuture f) {
        if (upstream != handler) {
            // The exchange ended while connecting: keep a good connection for the next one.
            if (f.isSuccess()) {
                handler.pooled();
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
            for (ByteBuf msg : pending) {
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
        lastActivityNanos = ticker.nanoTime();
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
                writeToClient(head.encodeHead(ctx.alloc(), false, null, null));
                // Interim responses are answers too: a client that does not read them stops the upstream.
                if (!ctx.channel().isWritable()) {
                    upstream.channel.config().setAutoRead(false);
                }
            }
            return;
        }
        responseStarted = true;
        status = code;
        upstreamReusable = head.keepAlive();
        // An answer before the whole request was read (a 401 or 413, perhaps to Expect: 100-continue):
        // the rest of the request will not be read, so the client must be told the connection ends.
        boolean close = !clientKeepAlive || entrypoint.draining() || closeAfterResponse || !requestComplete;
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
        String via = entrypoint.config().via() ? VIA_VALUE : null;
        writeToClient(head.encodeHead(ctx.alloc(), dechunk, connection, via));
    }

    @Override
    public void onResponseBody(ByteBuf bytes) {
        writeToClient(bytes);
        if (!ctx.channel().isWritable() && upstream != null) {
            upstream.channel.config().setAutoRead(false);
        }
    }

    @Override
    public void onResponseEnd(boolean reusable) {
        // Flushed here: once finished, the upstream's read-complete no longer reaches this handler.
        flushClient();
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
            flushClient();
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
        boolean writable = ctx.channel().isWritable();
        if (upstream != null && upstreamConnected) {
            upstream.channel.config().setAutoRead(writable);
        }
        if (writable && !inExchange && inbound != null && !reading) {
            readRequests();
            if (upstream != null && upstreamConnected) {
                upstream.channel.flush();
            }
            flushClient();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---------------------------------------------------------------- endings

    /** Answers from the proxy itself; the exchange ends once the request has been read to its end. */
    private void respondLocally(HttpResponseStatus status, String detail, boolean close) {
        responseStarted = true;
        this.status = status.code();
        if (close || expectContinue || !clientKeepAlive || entrypoint.draining()
                || (!requestComplete && !parser.bodyFitsIn(MAX_DISCARD - discarded))) {
            // A body too large to read and drop is not read: the connection ends with this answer.
            closeAfterResponse = true;
        }
        String connection = closeAfterResponse ? "close" : http10 ? "keep-alive" : null;
        writeToClient(LocalResponses.create(ctx.alloc(), status, detail, connection, headRequest));
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
        flushClient();
        // Reading may have been paused for the upstream that is gone; the rest of the body must drain.
        updateClientRead();
    }

    /** Ends the exchange that completed normally, and starts on the next pipelined request. */
    private void finish() {
        if (metrics != null) {
            metrics.record(status, ticker.nanoTime() - startNanos);
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
                u.pooled();
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
            closeClient();
            return;
        }
        // Between requests now: the idle timeout (or the next head's deadline) may come before the timer.
        ensureTimer(deadlines.next(true));
        if (inbound != null && !reading) {
            readRequests();
            // finish() may run from the upstream's read, where no client read-complete follows to flush.
            if (upstream != null && upstreamConnected) {
                upstream.channel.flush();
            }
            flushClient();
        }
        updateClientRead();
    }

    /**
     * Closes the client connection once what was written has been sent. When the client may still
     * be sending (a body the proxy did not read, bytes after a refused head), the close lingers:
     * the proxy sends its FIN, then reads and drops what arrives until the client closes too, or
     * {@link #LINGER_NANOS} or {@link #MAX_LINGER_BYTES} run out.
     */
    private void closeClient() {
        boolean clientMaySend = !requestComplete || (inbound != null && inbound.isReadable());
        closing = true;
        releaseInbound();
        Channel ch = ctx.channel();
        if (!clientMaySend || !(ch instanceof DuplexChannel)) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ((DuplexChannel) ch).shutdownOutput();
            } else {
                ch.close();
            }
        });
        deadlines.linger(ticker.nanoTime(), LINGER_NANOS);
        ensureTimer(deadlines.next(false));
        ch.config().setAutoRead(true);
    }

    /** Ends the exchange by closing both connections: the response cannot be completed. */
    private void abort(String reason) {
        log.debug("aborting exchange on {}: {}", ctx.channel(), reason);
        if (inExchange && metrics != null) {
            metrics.record(status == 0 ? HttpResponseStatus.BAD_GATEWAY.code() : status, ticker.nanoTime() - startNanos);
            metrics = null;
        }
        resetAfterFailure();
        flushClient();
        ctx.close();
    }

    private void resetAfterFailure() {
        cancelTimer();
        closeUpstream();
        releasePending();
        releaseInbound();
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
            for (ByteBuf msg : pending) {
                msg.release();
            }
            pending = null;
            pendingBytes = 0;
        }
    }

    private void releaseInbound() {
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
    }

    /** Every write to the client goes through here: it counts the bytes for the meters. */
    private void writeToClient(ByteBuf bytes) {
        bytesOut += bytes.readableBytes();
        ctx.write(bytes, ctx.voidPromise());
    }

    private void flushClient() {
        entrypoint.meters().written(bytesOut);
        bytesOut = 0;
        ctx.flush();
    }

    // ---------------------------------------------------------------- flow control and timers

    /**
     * Reads from the client only while what it sends has somewhere to go: the upstream connection
     * can take more, the connect buffer and the pipelining queue have room.
     */
    private void updateClientRead() {
        if (closing) {
            return;
        }
        boolean read = (inbound == null || inbound.readableBytes() < MAX_BUFFERED) && pendingBytes < MAX_PENDING_BYTES
                && (upstream == null || !upstreamConnected || upstream.channel.isWritable());
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
            // A body the proxy is not reading is not late: its deadline stops while reading is paused.
            deadlines.paused(!read, ticker.nanoTime());
        }
    }

    /**
     * Makes sure the connection's timer fires by this exchange's response deadline. One timer
     * serves every exchange of the connection: it is re-armed only when it would fire too late,
     * and when it fires it checks the deadlines of whatever is in progress then. Scheduling and
     * cancelling a timer per request would cost two priority-queue operations and an allocation
     * on every request.
     */
    private void armTimer() {
        ensureTimer(startNanos + Math.min(service.timeouts().response().toNanos(), service.timeouts().idle().toNanos()));
    }

    /** Makes sure the connection's timer fires at or before {@code deadline} (nothing for {@code Long.MAX_VALUE}). */
    private void ensureTimer(long deadline) {
        if (deadline == Long.MAX_VALUE || (timer != null && timerDueNanos - deadline <= 0)) {
            return;
        }
        cancelTimer();
        timerDueNanos = deadline;
        timer = ctx.executor().schedule(timeoutTask, Math.max(0, deadline - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * The connection's only timer. The client's deadlines ({@link ClientDeadlines}: idle between
     * requests, the head, the body, a lingering close) and the exchange's (the response head
     * within the service's response timeout, no silence longer than its idle timeout) are checked
     * here. Folding them into one timer saves a handler, and its work on every read, in every
     * client pipeline.
     */
    private void onTimer() {
        timer = null;
        if (!ctx.channel().isActive() || (closing && !deadlines.lingering())) {
            return;
        }
        long now = ticker.nanoTime();
        long client = deadlines.next(!inExchange);
        if (client != Long.MAX_VALUE && now - client >= 0) {
            clientTooSlow(deadlines.kind());
            return;
        }
        long exchange = Long.MAX_VALUE;
        if (inExchange && !discarding && service != null && !closing) {
            boolean waitingForHead = !responseStarted && requestComplete;
            exchange = waitingForHead
                    ? requestSentNanos + service.timeouts().response().toNanos()
                    : lastActivityNanos + service.timeouts().idle().toNanos();
            if (now - exchange >= 0) {
                if (!responseStarted) {
                    failUpstream(HttpResponseStatus.GATEWAY_TIMEOUT, "an endpoint of '" + service.name() + "' did not answer in time");
                    if (ctx.channel().isActive() && (!closing || deadlines.lingering())) {
                        // The connection lives on (keep-alive, a body to drop, a lingering close): it keeps its deadlines.
                        ensureTimer(deadlines.next(!inExchange));
                    }
                } else {
                    abort("exchange idle for longer than " + service.timeouts().idle());
                }
                return;
            }
        }
        ensureTimer(Math.min(client, exchange));
    }

    /** A client deadline passed: the connection is closed, with a 408 when a request was under way and unanswered. */
    private void clientTooSlow(ClientDeadlines.Kind kind) {
        switch (kind) {
            case LINGER:
                ctx.close();
                return;
            case IDLE:
                entrypoint.meters().timedOut(ConnectionMeters.Deadline.IDLE);
                closing = true;
                ctx.close();
                return;
            case HEADER:
                entrypoint.meters().timedOut(ConnectionMeters.Deadline.HEADER);
                if (!deadlines.headHasBytes()) {
                    closing = true;
                    ctx.close();
                    return;
                }
                startExchange();
                requestComplete = true;
                clientKeepAlive = false;
                reject(entrypoint.table(), HttpResponseStatus.REQUEST_TIMEOUT, "the request head took too long");
                flushClient();
                return;
            default:
                entrypoint.meters().timedOut(ConnectionMeters.Deadline.BODY);
                deadlines.bodyDone();
                if (discarding || responseStarted) {
                    abort("the request body came too slowly");
                    return;
                }
                closeUpstream();
                releasePending();
                respondLocally(HttpResponseStatus.REQUEST_TIMEOUT, "the request body came too slowly", true);
                flushClient();
        }
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
        entrypoint.meters().closed();
        entrypoint.meters().read(bytesIn);
        entrypoint.meters().written(bytesOut);
        bytesIn = 0;
        bytesOut = 0;
        if (inExchange && metrics != null) {
            metrics.record(CLIENT_CLOSED, ticker.nanoTime() - startNanos);
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
