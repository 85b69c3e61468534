package io.swarmingress.proxy.h2;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.forward.Forwarder;
import io.swarmingress.proxy.http1.ClientSubject;
import io.swarmingress.proxy.http1.ConnectionTimer;
import io.swarmingress.proxy.http1.ParsedRequest;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.server.ClientAddresses;
import io.swarmingress.proxy.server.DrainEvent;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.wire.ForwardedFields;
import io.swarmingress.proxy.wire.RequestParser;

/**
 * One HTTP/2 client connection: Netty's connection handler (frames, HPACK, settings, flow control
 * and its defences, see {@link H2Settings}) with the proxy's lifecycle around it. Each stream is an
 * {@link H2Stream}, forwarded by the connection's one {@link Forwarder} like an HTTP/1 request.
 *
 * <p>Flow control is what keeps streams apart. The connection window is refilled as soon as bytes
 * arrive, so a stream whose upstream is slow never holds the others back; a stream's own window is
 * given back only once its upstream takes more ({@link H2Stream#onDataRead}), so no stream buffers
 * more than its window. Upstream reads stop while the client's window for that stream is used up.
 *
 * <p>One timer checks every stream's exchange deadlines and closes the connection after the
 * entrypoint's idle timeout without streams. Responses written in one turn of the event loop are
 * flushed once, at its end, however many streams wrote.
 */
final class H2Connection extends Http2ConnectionHandler {
    private static final Logger log = LoggerFactory.getLogger(H2Connection.class);

    private final EntrypointContext entrypoint;
    private final Http2ConnectionAdapter streamEvents = new Http2ConnectionAdapter() {
        @Override
        public void onStreamClosed(Http2Stream stream) {
            streamClosed(stream);
        }
    };
    private final Http2Connection.PropertyKey streamKey;
    private SpareParsers parsers;
    private final List<H2Stream> toFlushUpstream = new ArrayList<>();
    private ChannelHandlerContext ctx;
    EntrypointConfig config;
    Forwarder forwarder;
    ForwardedFields forwarded;
    ConnectionTimer timer;
    private ClientFlush flusher;
    private long idleSince;
    private long bytesIn;
    private boolean draining;
    private boolean started;
    private boolean over;
    /** Streams this connection carried, for the streams-per-connection histogram. */
    private int streams;

    H2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
                 EntrypointContext entrypoint) {
        // Close means close: the graceful GOAWAY of a drain or an idle connection is sent here, not by close().
        super(decoder, encoder, settings, true);
        this.entrypoint = entrypoint;
        this.streamKey = connection().newKey();
        decoder.frameListener(new H2Frames(this));
    }

    /** Puts the HTTP/2 handler after {@code after} on a connection whose first bytes are the preface. */
    static void install(Channel ch, String after, EntrypointContext entrypoint) {
        H2Connection handler = H2Settings.connection(entrypoint);
        ch.pipeline().addAfter(after, "h2-bytes", new WrittenBytes(entrypoint.meters()));
        ch.pipeline().addAfter("h2-bytes", "h2", handler);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        this.ctx = ctx;
        flusher = new ClientFlush(ctx.executor(), () -> flush(ctx));
        // After the SETTINGS of the preface, which the handler just wrote.
        decoder().flowController().incrementWindowSize(connection().connectionStream(), H2Settings.connectionWindowIncrement());
        Channel ch = ctx.channel();
        config = entrypoint.table().entrypoint(entrypoint.name());
        if (config == null) {
            // A reload removed the entrypoint between the accept and the preface.
            ctx.close();
            return;
        }
        ClientAddresses addresses = ClientAddresses.of(ch);
        // A client certificate's subject goes upstream as over HTTP/1.1, and no client may send its own.
        forwarded = ClientSubject.vouchedFor(config, ch, ParsedRequest.forwarded(addresses, config, ch.remoteAddress()));
        parsers = new SpareParsers(ClientSubject.header(config));
        forwarder = new Forwarder(entrypoint.name(), entrypoint::table, ch.eventLoop(), ctx.alloc(),
                entrypoint.transport().socketChannel(), addresses.source(), addresses.destination());
        timer = new ConnectionTimer(ctx.executor(), this::onTimer);
        connection().addListener(streamEvents);
        encoder().flowController().listener(stream -> {
            H2Stream s = stream.getProperty(streamKey);
            if (s != null) {
                s.clientWritabilityChanged();
            }
        });
        idleSince = timer.now();
        timer.fireBy(idleSince + config.limits().idle().toNanos());
        entrypoint.meters().opened();
        started = true;
        if (entrypoint.draining()) {
            drain();
        }
    }

    EntrypointContext entrypoint() {
        return entrypoint;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    // ---------------------------------------------------------------- streams

    /** A request's first HEADERS arrived on a new stream. */
    void streamStarted(int streamId, Http2Headers headers, boolean endStream) {
        Http2Stream stream = connection().stream(streamId);
        if (stream == null || !started) {
            return;
        }
        streams++;
        H2Stream s = new H2Stream(this, stream, parsers.take());
        stream.setProperty(streamKey, s);
        s.start(headers, endStream);
    }

    H2Stream stream(int streamId) {
        Http2Stream stream = connection().stream(streamId);
        return stream == null ? null : stream.getProperty(streamKey);
    }

    private void streamClosed(Http2Stream stream) {
        H2Stream s = stream.removeProperty(streamKey);
        if (s != null) {
            s.closed();
        }
        if (connection().numActiveStreams() == 0) {
            // Netty has already taken the closing stream out of the active set.
            parsers.connectionIdle();
        }
        if (connection().numActiveStreams() <= 1) {
            idleSince = timer.now();
            timer.fireBy(idleSince + config.limits().idle().toNanos());
            if (draining) {
                // After this callback, when the stream has left the active set.
                ctx.executor().execute(this::closeIfIdle);
            }
        }
    }

    /** A stream no longer needs its parser: the next stream takes it. */
    void giveBack(RequestParser parser) {
        parsers.giveBack(parser);
    }

    /** A stream wrote to its upstream during this read: flushed when the read batch ends. */
    void flushUpstreamLater(H2Stream s) {
        toFlushUpstream.add(s);
    }

    /** Flushes what streams wrote to the client at the end of this turn of the loop ({@link ClientFlush}). */
    void flushSoon() {
        flusher.soon();
    }

    /** A stream's response was written whole ({@link ClientFlush#responseWritten}). */
    void responseWritten() {
        flusher.responseWritten();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf) {
            bytesIn += ((ByteBuf) msg).readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        entrypoint.meters().read(bytesIn);
        bytesIn = 0;
        if (!toFlushUpstream.isEmpty()) {
            for (int i = 0; i < toFlushUpstream.size(); i++) {
                toFlushUpstream.get(i).flushUpstream();
            }
            toFlushUpstream.clear();
        }
        super.channelReadComplete(ctx);
    }

    // ---------------------------------------------------------------- deadlines and endings

    /** The connection's one timer fired: each stream's exchange deadlines, and the idle timeout without streams. */
    private void onTimer() {
        if (!ctx.channel().isActive() || over) {
            return;
        }
        long now = timer.now();
        if (connection().numActiveStreams() == 0) {
            long idleAt = idleSince + config.limits().idle().toNanos();
            if (now - idleAt >= 0) {
                entrypoint.meters().timedOut(ConnectionMeters.Deadline.IDLE);
                goAwayAndClose(Http2Error.NO_ERROR);
                return;
            }
            timer.fireBy(idleAt);
            return;
        }
        long[] next = {Long.MAX_VALUE};
        try {
            connection().forEachActiveStream(stream -> {
                H2Stream s = stream.getProperty(streamKey);
                if (s != null) {
                    s.checkDeadline(now);
                    next[0] = Math.min(next[0], s.deadline());
                }
                return true;
            });
        } catch (Http2Exception e) {
            log.debug("{}: checking stream deadlines failed: {}", ctx.channel(), e.toString());
        }
        flushSoon();
        timer.fireBy(next[0]);
    }

    /** Shutdown began: no new streams (GOAWAY), and the connection closes once those in progress end. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
        ctx.flush();
        closeIfIdle();
    }

    private void closeIfIdle() {
        if (connection().numActiveStreams() == 0 && ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void goAwayAndClose(Http2Error error) {
        goAway(ctx, connection().remote().lastStreamCreated(), error.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise())
                .addListener(ChannelFutureListener.CLOSE);
        ctx.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DrainEvent.INSTANCE) {
            drain();
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Closes every stream first: their exchanges are cancelled (499) as the streams close.
        super.channelInactive(ctx);
        end();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        super.handlerRemoved0(ctx);
        end();
    }

    private void end() {
        if (over || !started) {
            return;
        }
        over = true;
        timer.cancel();
        forwarder.close();
        entrypoint.meters().read(bytesIn);
        bytesIn = 0;
        entrypoint.meters().closed();
        entrypoint.meters().streamsPerConnection(streams);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause);
            return;
        }
        log.debug("HTTP/2 client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause, Http2Exception http2Ex) {
        log.debug("HTTP/2 connection error on {}: {}", ctx.channel(), cause.toString());
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }
}
