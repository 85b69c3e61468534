package io.swarmingress.proxy.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.swarmingress.proxy.forward.Downstream;
import io.swarmingress.proxy.forward.Exchange;
import io.swarmingress.proxy.http1.ParsedRequest;
import io.swarmingress.proxy.metrics.RequestProtocol;
import io.swarmingress.proxy.wire.RequestParser;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * One HTTP/2 stream: a request read from its frames and the client's side of its exchange. Its
 * head is checked by the HTTP/1 rules ({@link RequestBlock}, then a parser of its own and a
 * {@link ParsedRequest}) and forwarded like an HTTP/1 request; its DATA frames become the body
 * (chunked upstream when no Content-Length said how long), and the response goes back as HEADERS
 * and DATA frames.
 *
 * <p>Flow control both ways: request bytes the upstream cannot take yet are not given back to the
 * client's window until it can ({@link RequestBody}), and the upstream is not read while the
 * client's window for this stream is full ({@link #isWritable}).
 *
 * <p>The last piece of the response is held ({@link HeldResponse}) until the upstream's read batch
 * ends, so that a response read in one batch goes out as HEADERS and one DATA frame with
 * END_STREAM (or HEADERS alone), not followed by an empty DATA frame.
 */
final class H2Stream implements Downstream, RequestParser.Sink {
    private final H2Connection connection;
    private final Http2Stream stream;
    private final RequestParser parser;
    private final ParsedRequest head;
    private Exchange exchange;
    private long startNanos;
    private final RequestBody body;
    private boolean headRequest;
    /** A gRPC request: the proxy's own answers take gRPC's form ({@link GrpcAnswers}). */
    private boolean grpc;
    /** The response ended (or was cut off, or the stream closed): nothing more is written. */
    private boolean finished;
    private final HeldResponse held = new HeldResponse();
    private boolean closed;
    /** An extended CONNECT: its answer is followed by a PROTOCOL_ERROR reset (see {@link RequestBlock#EXTENDED_CONNECT}). */
    private boolean malformed;

    H2Stream(H2Connection connection, Http2Stream stream, RequestParser parser) {
        this.connection = connection;
        this.stream = stream;
        this.parser = parser;
        this.body = new RequestBody(connection, stream);
        this.head = new ParsedRequest(parser, connection.forwarded, connection.config.via());
    }

    /** The request's HEADERS: checked, then forwarded or answered. */
    void start(Http2Headers headers, boolean endStream) {
        startNanos = connection.timer.now();
        body.streamEnded(endStream);
        grpc = GrpcAnswers.isGrpc(headers.get(HttpHeaderNames.CONTENT_TYPE));
        String problem = RequestBlock.check(headers);
        if (problem != null) {
            malformed = problem == RequestBlock.EXTENDED_CONNECT;
            refuse(HttpResponseStatus.BAD_REQUEST, problem);
            return;
        }
        boolean chunked = !endStream && !headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (chunked) {
            body.chunked();
        }
        ByteBuf bytes = RequestBlock.toHttp1(ctx().alloc(), headers, chunked);
        try {
            parser.feed(bytes, this);
        } finally {
            bytes.release();
        }
    }

    @Override
    public void onRequestHead(RequestParser request) {
        headRequest = request.methodIs("HEAD");
        ParsedRequest.Refusal refusal = head.read();
        if (refusal != null) {
            refuse(refusal.status(), refusal.detail());
            return;
        }
        exchange = connection.forwarder.start(head, this);
        if (!exchange.done()) {
            connection.timer.fireBy(exchange.deadline());
            connection.flushUpstreamLater(this);
        }
    }

    @Override
    public void onRequestBody(ByteBuf bytes) {
        // The parser is given heads only; the body comes in DATA frames.
        bytes.release();
    }

    @Override
    public void onRequestEnd() {
    }

    @Override
    public void onRequestError(HttpResponseStatus status, String reason) {
        refuse(status, reason);
    }

    /** Answers a head that is not forwarded, counted like an HTTP/1 refusal. */
    private void refuse(HttpResponseStatus status, String detail) {
        connection.entrypoint().table().unrouted(connection.entrypoint().name())
                .record(protocol(), status.code(), connection.timer.now() - startNanos);
        onLocalAnswer(status, detail);
    }

    /**
     * Body bytes. @return how many bytes (and padding) are given back to the client's window now;
     * the rest is given back once the upstream takes more
     */
    int onDataRead(ByteBuf data, int padding, boolean endStream) {
        int n = data.readableBytes();
        if (exchange == null || exchange.done()) {
            body.streamEnded(endStream);
            return n + padding;
        }
        body.send(exchange, data, endStream);
        connection.flushUpstreamLater(this);
        return body.window(exchange, n) + padding;
    }

    /** HEADERS after the first: trailers, which an HTTP/1.1 upstream does not get (RFC 9110 section 6.5.1 allows dropping them). */
    void onTrailers(boolean endStream) {
        if (endStream && exchange != null && !exchange.done()) {
            body.end(exchange);
            connection.flushUpstreamLater(this);
        }
        body.streamEnded(endStream);
    }

    void flushUpstream() {
        if (exchange != null) {
            exchange.flushUpstream();
        }
    }

    long deadline() {
        return exchange == null ? Long.MAX_VALUE : exchange.deadline();
    }

    void checkDeadline(long now) {
        if (exchange != null) {
            exchange.checkDeadline(now);
        }
    }

    /** The client's window for this stream (or the connection's writability) changed. */
    void clientWritabilityChanged() {
        if (exchange != null) {
            exchange.clientWritable(isWritable());
        }
    }

    /** The stream closed: ended both ways, reset by either side, or the connection went. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        finished = true;
        if (exchange != null && !exchange.done()) {
            // The client went away before its response was complete: 499, nginx's convention.
            exchange.cancel(499);
        }
        exchange = null;
        held.release();
        connection.giveBack(parser);
    }

    // ---------------------------------------------------------------- the response (Downstream)

    @Override
    public RequestProtocol protocol() {
        return grpc ? RequestProtocol.GRPC : RequestProtocol.H2;
    }

    @Override
    public void onInterim(ResponseFramer response) {
        if (!finished) {
            connection.encoder().writeHeaders(ctx(), stream.id(), ResponseHeads.of(response, false, null, null), 0, false,
                    ctx().voidPromise());
        }
    }

    @Override
    public void onResponseHead(ResponseFramer response, String setCookie) {
        if (finished) {
            return;
        }
        if (response.codedBeyondChunked()) {
            // HTTP/2 has no transfer codings: the client would take gzip'd bytes for the content.
            exchange.cancel(HttpResponseStatus.BAD_GATEWAY.code());
            exchange = null;
            onLocalAnswer(HttpResponseStatus.BAD_GATEWAY, "the response has a transfer coding HTTP/2 cannot carry");
            return;
        }
        if (response.chunked()) {
            response.dechunk();
        }
        // On a TLS entrypoint, the route's HSTS (replacing the endpoint's), as over HTTP/1.1.
        String hsts = connection.config.terminatesTls() && exchange != null && exchange.route() != null
                ? exchange.route().config().hsts() : null;
        held.head(ResponseHeads.of(response, connection.config.via(), hsts, setCookie));
    }

    @Override
    public void onResponseBody(ByteBuf bytes) {
        if (finished || !bytes.isReadable()) {
            bytes.release();
            return;
        }
        writeHeld(false);
        held.hold(bytes);
    }

    @Override
    public void onResponseTrailer(AsciiString lowerName, AsciiString value) {
        if (!finished) {
            held.trailer(lowerName, value);
        }
    }

    @Override
    public void flush() {
        if (!finished) {
            writeHeld(false);
            connection.flushSoon();
        }
    }

    @Override
    public void onResponseEnd() {
        if (finished) {
            return;
        }
        if (body.complete()) {
            writeHeld(true);
            end();
        } else {
            // The upload is stopped once the whole answer is out (RFC 9113 section 8.1).
            end(held.writeEnd(connection.encoder(), ctx(), stream.id()));
        }
    }

    @Override
    public void onLocalAnswer(HttpResponseStatus status, String detail) {
        if (finished) {
            return;
        }
        held.release();
        end(LocalAnswer.write(connection.encoder(), ctx(), stream.id(), status, detail, grpc, headRequest));
    }

    @Override
    public void onAbort(String reason) {
        if (finished) {
            return;
        }
        finished = true;
        exchange = null;
        held.release();
        reset(Http2Error.INTERNAL_ERROR);
    }

    @Override
    public boolean isWritable() {
        return !finished && connection.encoder().flowController().isWritable(stream);
    }

    @Override
    public void onUpstreamWritabilityChanged() {
        body.upstreamWritable(exchange);
    }

    // ---------------------------------------------------------------- writing

    /** Writes what is held ({@link HeldResponse#write}); {@code end} when the response ends with it. */
    private void writeHeld(boolean end) {
        held.write(connection.encoder(), ctx(), stream.id(), end);
    }

    /** The response was written whole; a request still being sent is stopped without error (RFC 9113 section 8.1). */
    private void end() {
        end(null);
    }

    /** @param written the answer's last frame, which a reset must not overtake; null when nothing waits */
    private void end(ChannelFuture written) {
        finished = true;
        exchange = null;
        if (!body.complete()) {
            Http2Error error = malformed ? Http2Error.PROTOCOL_ERROR : Http2Error.NO_ERROR;
            if (written == null) {
                reset(error);
            } else {
                written.addListener(f -> reset(error));
            }
        }
        connection.responseWritten();
    }

    private void reset(Http2Error error) {
        connection.resetStream(ctx(), stream.id(), error.code(), ctx().newPromise());
        connection.flushSoon();
    }

    private ChannelHandlerContext ctx() {
        return connection.ctx();
    }
}
