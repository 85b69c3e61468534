package io.swarmingress.proxy.http1;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.forward.Forwarder;
import io.swarmingress.proxy.forward.Tunnel;
import io.swarmingress.proxy.server.ClientAddresses;
import io.swarmingress.proxy.server.DrainEvent;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.wire.RequestParser;

/**
 * One client connection of an http entrypoint: its bytes in and out, flow control, deadlines and
 * the way it ends. What the requests on it mean is {@link Http1Request}'s job, what a passed
 * deadline leads to {@link DeadlineCheck}'s; this class only moves bytes, and it is the first and
 * only handler of the client pipeline (no codec: requests are read and responses written as bytes).
 *
 * <p>Reading follows the other side: the client is read only while its bytes have somewhere to
 * go (the upstream takes more, the unread buffer has room), and between requests only while it
 * reads its answers. So memory per connection is bounded by the write-buffer marks whatever a
 * client sends or fails to read. Requests a client pipelines wait in {@link Unparsed}.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http1Connection.class);
    /** Unread bytes held for a pipelining client before reading pauses. */
    private static final int MAX_BUFFERED = 64 * 1024;
    /**
     * How long, and for how many bytes, a connection closed after a response keeps reading what the
     * client still sends: closing a socket with unread input resets it, and the reset can destroy
     * the response in the client's buffers before it was read (RFC 9112 section 9.6).
     */
    private static final long LINGER_NANOS = 2_000_000_000L;
    private static final long MAX_LINGER_BYTES = 1024 * 1024;
    /**
     * How long a kept-alive connection that is idle when shutdown begins stays open. Its client
     * may have sent the next request already; closing at once would reset that request unanswered,
     * and the client's retry would find the listener closed. A request that arrives meanwhile is
     * answered with Connection: close; a connection still idle after this is closed.
     */
    static final long DRAIN_IDLE_NANOS = 1_000_000_000L;

    private final EntrypointContext entrypoint;
    private final RequestParser parser = new RequestParser();
    ChannelHandlerContext ctx;
    /** The entrypoint's options as the table had them when the connection was accepted. */
    EntrypointConfig config;
    ConnectionTimer timer;
    ClientDeadlines deadlines;
    Http1Request request;
    private ParsedRequest head;
    /** The header of a verified client certificate's subject; null on an entrypoint without client certificates. */
    private String subjectHeader;
    private final Unparsed inbound = new Unparsed();
    private boolean reading;
    boolean closing;
    /** Bytes read and written since the meters were last told (once per read batch or flush). */
    private long bytesIn;
    private long bytesOut;
    private long lingered;
    /** channelInactive ran, or the handler was removed: the connection's meters and upstreams are given back. */
    private boolean over;

    Http1Connection(EntrypointContext entrypoint) {
        this.entrypoint = entrypoint;
    }

    EntrypointContext entrypoint() {
        return entrypoint;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            started();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (request == null) {
            started();
        }
        ctx.fireChannelActive();
    }

    /** The connection is up: from accept, or when the handler joins a connection already open (tests). */
    private void started() {
        Channel ch = ctx.channel();
        config = entrypoint.table().entrypoint(entrypoint.name());
        subjectHeader = ClientSubject.header(config);
        if (subjectHeader != null) {
            parser.ownField(subjectHeader);
        }
        timer = new ConnectionTimer(ctx.executor(), new DeadlineCheck(this));
        deadlines = new ClientDeadlines(config.limits());
        deadlines.accepted(timer.now());
        timer.fireBy(deadlines.next(true));
        ClientAddresses addresses = ClientAddresses.of(ch);
        Forwarder forwarder = new Forwarder(entrypoint.name(), entrypoint::table, ch.eventLoop(), ctx.alloc(),
                entrypoint.transport().socketChannel(), addresses.source(), addresses.destination());
        head = new ParsedRequest(parser, ParsedRequest.forwarded(addresses, config, ch.remoteAddress()), config.via());
        request = new Http1Request(this, parser, forwarder, head);
        entrypoint.meters().opened();
    }

    // ---------------------------------------------------------------- reading

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
        if (!request.inExchange()) {
            // Any byte between requests starts the next head's clock, even one the parser skips
            // (empty lines before a request): trickled CRLFs must not hold a connection open.
            deadlines.headPending(timer.now());
        }
        inbound.add((ByteBuf) msg, ctx.alloc());
        readRequests();
    }

    /**
     * Parses what the client sent until the current request is complete (a pipelined one waits
     * for its turn), the bytes run out, or the connection is closing. Not re-entered: an exchange
     * that ends inside a callback lets the loop already running go on.
     */
    void readRequests() {
        if (reading) {
            return;
        }
        reading = true;
        try {
            // A client that does not read its answers gets no more of them: between requests, parsing
            // waits while its connection is not writable (channelWritabilityChanged resumes it).
            while (inbound.isReadable() && !closing && !request.awaitingResponse()
                    && (request.inExchange() || ctx.channel().isWritable())) {
                if (!parser.feed(inbound.bytes(), request)) {
                    break;
                }
            }
        } finally {
            reading = false;
        }
        if (closing || !inbound.isReadable()) {
            inbound.release();
        }
        if (!closing) {
            if (!request.inExchange() && deadlines.headStarted()) {
                // Part of the next head is here: it is due a fixed time after its first byte.
                timer.fireBy(deadlines.next(true));
            } else if (deadlines.readingBody()) {
                timer.fireBy(deadlines.next(false));
            }
        }
        updateClientRead();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        deadlines.read(timer.now());
        entrypoint.meters().read(bytesIn);
        bytesIn = 0;
        request.flushUpstream();
        flush();
    }

    /**
     * Reads from the client only while what it sends has somewhere to go: the upstream takes more,
     * the pipelining buffer has room. A body the proxy is not reading is not late: its deadline
     * stops meanwhile.
     */
    void updateClientRead() {
        if (closing) {
            return;
        }
        boolean read = inbound.readable() < MAX_BUFFERED && request.takesBody();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
            deadlines.paused(!read, timer.now());
            if (read && deadlines.readingBody()) {
                // The body's deadline runs again, whether or not the client sends more.
                timer.fireBy(deadlines.next(false));
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        request.clientWritable(writable);
        if (writable && !request.inExchange() && inbound.any() && !reading) {
            readRequests();
            request.flushUpstream();
            flush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---------------------------------------------------------------- writing

    /** Every write to the client goes through here: it counts the bytes for the meters. */
    void write(ByteBuf bytes) {
        bytesOut += bytes.readableBytes();
        ctx.write(bytes, ctx.voidPromise());
    }

    void flush() {
        entrypoint.meters().written(bytesOut);
        bytesOut = 0;
        ctx.flush();
    }

    boolean writable() {
        return ctx.channel().isWritable();
    }

    /** The exchange ended and the connection stays: the idle deadline applies, and a pipelined request may start. */
    void nextRequest() {
        deadlines.exchangeEnded(timer.now());
        timer.fireBy(deadlines.next(true));
        if (inbound.any() && !reading) {
            readRequests();
            // This may run from an upstream read, where no client read-complete follows to flush.
            request.flushUpstream();
            flush();
        }
        updateClientRead();
    }

    /**
     * The request upgraded the connection (a 101 to a WebSocket upgrade, whose head was just
     * written): this handler leaves the pipeline to a {@link ClientTunnel}, which relays bytes
     * both ways from now on, starting with any the client already sent after its request.
     */
    void becomeTunnel(Tunnel tunnel) {
        ByteBuf early = inbound.isReadable() ? inbound.bytes().retainedSlice() : null;
        leave();
        entrypoint.meters().read(bytesIn);
        bytesIn = 0;
        ctx.pipeline().replace(this, "tunnel", new ClientTunnel(entrypoint.meters(), tunnel, early, bytesOut));
    }

    /** Another handler takes the connection over: what HTTP/1 holds for it (timer, unread bytes, upstreams) is given back. */
    private void leave() {
        over = true;
        closing = true;
        timer.cancel();
        inbound.release();
        request.connectionClosed();
    }

    // ---------------------------------------------------------------- endings

    /**
     * Closes the connection once what was written has been sent. When the client may still be
     * sending (a body the proxy did not read, bytes after a refused head), the close lingers: the
     * proxy sends its FIN, then reads and drops what arrives until the client closes too, or
     * {@link #LINGER_NANOS} or {@link #MAX_LINGER_BYTES} run out.
     */
    void close(boolean clientMaySend) {
        clientMaySend |= inbound.isReadable();
        closing = true;
        inbound.release();
        Channel ch = ctx.channel();
        if (!clientMaySend || !(ch instanceof DuplexChannel)) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ch.close();
            } else if (tls == null) {
                ((DuplexChannel) ch).shutdownOutput();
            } else {
                // TLS ends its side with close_notify first: a FIN alone reads as a truncation attack to strict clients.
                tls.closeOutbound().addListener(c -> ((DuplexChannel) ch).shutdownOutput());
            }
        });
        deadlines.linger(timer.now(), LINGER_NANOS);
        timer.fireBy(deadlines.next(false));
        ch.config().setAutoRead(true);
    }

    /** Ends the connection at once: a response cannot be completed, or a client cannot be trusted. */
    void abort(String reason) {
        log.debug("closing {}: {}", ctx.channel(), reason);
        closing = true;
        timer.cancel();
        inbound.release();
        flush();
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent) {
            String subject = subjectHeader != null && ((SslHandshakeCompletionEvent) evt).isSuccess()
                    ? ClientSubject.verified(ctx.pipeline().get(SslHandler.class)) : null;
            if (subject != null) {
                // Before any request could be read: every request of the connection carries the verified subject.
                head.verifiedSubject(subjectHeader, subject);
            }
        } else if (evt == DrainEvent.INSTANCE) {
            if (!request.drain()) {
                ctx.executor().schedule(this::closeIfIdle, DRAIN_IDLE_NANOS, TimeUnit.NANOSECONDS);
            }
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    /** The drain time is over: a connection with no request under way (or begun) closes. */
    private void closeIfIdle() {
        if (!closing && !ctx.isRemoved() && ctx.channel().isActive() && !request.inExchange() && !inbound.any()) {
            closing = true;
            timer.cancel();
            ctx.close();
        }
    }

    /**
     * Removed from a connection still open: another protocol took it over before a request was
     * read (HTTP/2 by its preface). What started with the connection is given back here, as it
     * would have been when the connection closed.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (request != null && !over) {
            leave();
            entrypoint.meters().closed();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        over = true;
        entrypoint.meters().closed();
        entrypoint.meters().read(bytesIn);
        entrypoint.meters().written(bytesOut);
        bytesIn = 0;
        bytesOut = 0;
        request.connectionClosed();
        closing = true;
        timer.cancel();
        inbound.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
