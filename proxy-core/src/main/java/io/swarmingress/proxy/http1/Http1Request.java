package io.swarmingress.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.swarmingress.proxy.forward.Downstream;
import io.swarmingress.proxy.forward.Exchange;
import io.swarmingress.proxy.forward.Forwarder;
import io.swarmingress.proxy.forward.Tunnel;
import io.swarmingress.proxy.wire.RequestParser;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * The client's side of the exchange in progress on one HTTP/1 connection: what its request asks
 * for, what its response may be, and how the two end. Heads that cannot be forwarded are answered
 * here (400, 405, 408, 414, 431, 501, 505, closing the connection: what follows such a head cannot
 * be trusted); the rest go to the {@link Forwarder}, whose {@link Exchange} reports back through
 * the {@link Downstream} methods, whose response heads {@link ClientHeads} writes for the
 * client's HTTP version. One per connection, reset for each request.
 */
final class Http1Request implements RequestParser.Sink, Downstream {
    final Http1Connection connection;
    private final RequestParser parser;
    private final Forwarder forwarder;
    private final ParsedRequest head;
    private final BodyDiscard discard = new BodyDiscard();
    /** Writes the response heads; it changes the package-private fields below as it does. */
    private final ClientHeads heads = new ClientHeads(this);
    Exchange exchange;
    private long startNanos;
    int status;
    boolean inExchange;
    boolean requestComplete;
    boolean responseStarted;
    private boolean expectContinue;
    private boolean headRequest;
    boolean http10;
    boolean clientKeepAlive;
    boolean closeAfterResponse;
    /** Inside {@link #onRequestHead}: an answer given there is flushed with the read batch. */
    private boolean startingExchange;

    Http1Request(Http1Connection connection, RequestParser parser, Forwarder forwarder, ParsedRequest head) {
        this.connection = connection;
        this.parser = parser;
        this.forwarder = forwarder;
        this.head = head;
    }

    boolean inExchange() {
        return inExchange;
    }

    /** The request has been read whole and its answer is awaited: a pipelined request waits. */
    boolean awaitingResponse() {
        return inExchange && requestComplete;
    }

    boolean takesBody() {
        return exchange == null || exchange.takesBody();
    }

    void flushUpstream() {
        if (exchange != null) {
            exchange.flushUpstream();
        }
    }

    void clientWritable(boolean writable) {
        if (exchange != null) {
            exchange.clientWritable(writable);
        }
    }

    // ---------------------------------------------------------------- the request

    private void begin() {
        inExchange = true;
        requestComplete = false;
        headRequest = false;
        responseStarted = false;
        closeAfterResponse = false;
        status = 0;
        discard.reset();
        exchange = null;
        startNanos = connection.timer.now();
        connection.deadlines.headDone();
    }

    @Override
    public void onRequestHead(RequestParser request) {
        begin();
        requestComplete = !request.hasBody();
        http10 = request.http10();
        clientKeepAlive = request.keepAlive() && !connection.entrypoint().draining();
        expectContinue = request.expectContinue();
        if (!requestComplete && !expectContinue) {
            // A client that expects 100-continue waits for the backend before it sends: its body
            // clock starts with the 100 or the first body byte, whichever comes first (mod_reqtimeout).
            connection.deadlines.bodyStarted(startNanos);
        }
        headRequest = request.methodIs("HEAD");
        ParsedRequest.Refusal refusal = head.read();
        if (refusal != null) {
            answerUnrouted(refusal.status(), refusal.detail(), true);
            return;
        }
        String tlsEntrypoint = connection.config.httpsRedirect();
        if (tlsEntrypoint != null) {
            // A plaintext entrypoint that sends everyone to HTTPS: a 308 keeps the method and the body.
            String host = head.host();
            String location = host == null ? null
                    : LocalResponses.httpsLocation(host, connection.entrypoint().port(tlsEntrypoint), head.redirectTarget());
            answerUnrouted(location == null ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.PERMANENT_REDIRECT,
                    location == null ? "a Host header is required to redirect to HTTPS" : location, location == null);
            return;
        }
        startingExchange = true;
        try {
            exchange = forwarder.start(head, this);
        } finally {
            startingExchange = false;
        }
        if (!exchange.done()) {
            connection.timer.fireBy(exchange.deadline());
        }
    }

    @Override
    public void onRequestBody(ByteBuf bytes) {
        startBodyClock();
        connection.deadlines.bodyReceived(bytes.readableBytes());
        if (!inExchange || discard.active()) {
            // The rest of a request that was answered already, e.g. a 404 with a body.
            if (!discard.drop(bytes)) {
                connection.abort("dropped more than " + BodyDiscard.MAX + " bytes of a body nobody reads");
            }
            return;
        }
        exchange.body(bytes);
    }

    @Override
    public void onRequestEnd() {
        requestComplete = true;
        connection.deadlines.bodyDone();
        if (discard.active()) {
            discard.stop();
            finish();
        } else if (exchange != null) {
            exchange.requestEnded();
            // The response timeout runs from now, which may come before the deadline the timer is set for.
            connection.timer.fireBy(exchange.deadline());
        }
    }

    @Override
    public void onRequestError(HttpResponseStatus refusal, String reason) {
        if (inExchange) {
            // The body of the request in progress is malformed.
            requestComplete = true;
            connection.deadlines.bodyDone();
            if (responseStarted) {
                cut("malformed request body");
            } else {
                if (exchange != null) {
                    exchange.cancel(HttpResponseStatus.BAD_REQUEST.code());
                }
                respondLocally(HttpResponseStatus.BAD_REQUEST, reason, true);
            }
            return;
        }
        begin();
        requestComplete = true;
        connection.deadlines.bodyDone();
        http10 = false;
        clientKeepAlive = false;
        expectContinue = false;
        answerUnrouted(refusal, reason, true);
    }

    /**
     * Answers a request no route saw, counted as unrouted: a head that will not be forwarded (and
     * closes: what follows it cannot be trusted), or an HTTPS redirect.
     */
    private void answerUnrouted(HttpResponseStatus answer, String detail, boolean close) {
        connection.entrypoint().table().unrouted(connection.entrypoint().name()).record(answer.code(), connection.timer.now() - startNanos);
        respondLocally(answer, detail, close);
    }

    /** The body of a request that expected 100-continue is on its way now: its deadline starts. */
    void startBodyClock() {
        if (expectContinue && inExchange && !requestComplete && !connection.deadlines.readingBody()) {
            connection.deadlines.bodyStarted(connection.timer.now());
            connection.timer.fireBy(connection.deadlines.next(false));
        }
    }

    // ---------------------------------------------------------------- deadlines and endings from the connection

    /** The client's head took too long: a 408, and the connection ends. */
    void headTooSlow() {
        begin();
        requestComplete = true;
        clientKeepAlive = false;
        answerUnrouted(HttpResponseStatus.REQUEST_TIMEOUT, "the request head took too long", true);
        connection.flush();
    }

    /** The client's body came too slowly: a 408 when no response started, else the connection is cut. */
    void bodyTooSlow() {
        if (discard.active() || responseStarted) {
            cut("the request body came too slowly");
            return;
        }
        exchange.cancel(HttpResponseStatus.REQUEST_TIMEOUT.code());
        respondLocally(HttpResponseStatus.REQUEST_TIMEOUT, "the request body came too slowly", true);
        connection.flush();
    }

    long exchangeDeadline() {
        return exchange == null || discard.active() ? Long.MAX_VALUE : exchange.deadline();
    }

    boolean checkExchangeDeadline(long now) {
        return exchange != null && !discard.active() && exchange.checkDeadline(now);
    }

    /** Shutdown began: keep-alive ends after the current exchange. @return whether an exchange is in progress */
    boolean drain() {
        clientKeepAlive = false;
        return inExchange;
    }

    void connectionClosed() {
        if (exchange != null) {
            // Counted as 499 (nginx's convention) when the client went away before its response was complete.
            exchange.cancel(499);
        }
        inExchange = false;
        // Upstream connections kept for this client alone close with it.
        forwarder.close();
    }

    // ---------------------------------------------------------------- the response (Downstream)

    @Override
    public void onInterim(ResponseFramer response) {
        heads.interim(response);
    }

    @Override
    public void onResponseHead(ResponseFramer response, String setCookie) {
        heads.head(response, setCookie);
    }

    @Override
    public void onUpgraded(ResponseFramer response, Tunnel tunnel) {
        heads.upgraded(response, tunnel);
    }

    @Override
    public void onResponseBody(ByteBuf bytes) {
        connection.write(bytes);
    }

    @Override
    public void flush() {
        connection.flush();
    }

    @Override
    public void onResponseEnd() {
        // Flushed here: once finished, the upstream's read-complete no longer reaches this request.
        connection.flush();
        if (!requestComplete) {
            closeAfterResponse = true;
        }
        finish();
    }

    @Override
    public void onLocalAnswer(HttpResponseStatus answer, String detail) {
        respondLocally(answer, detail, false);
        if (!startingExchange) {
            // From an upstream event (a failed connect, a timeout): no client read-complete follows.
            connection.flush();
            // Reading may have been paused for the upstream that is gone; the rest of the body must drain.
            connection.updateClientRead();
        }
    }

    @Override
    public void onAbort(String reason) {
        exchange = null;
        cut(reason);
    }

    @Override
    public boolean isWritable() {
        return connection.writable();
    }

    @Override
    public void onUpstreamWritabilityChanged() {
        connection.updateClientRead();
    }

    // ---------------------------------------------------------------- endings

    /** Answers from the proxy itself; the exchange ends once the request has been read to its end. */
    void respondLocally(HttpResponseStatus answer, String detail, boolean close) {
        responseStarted = true;
        status = answer.code();
        if (close || expectContinue || !clientKeepAlive || connection.entrypoint().draining()
                || (!requestComplete && !parser.bodyFitsIn(discard.room()))) {
            // A body too large to read and drop is not read: the connection ends with this answer.
            closeAfterResponse = true;
        }
        String connectionValue = closeAfterResponse ? "close" : http10 ? "keep-alive" : null;
        connection.write(LocalResponses.create(connection.ctx.alloc(), answer, detail, connectionValue, headRequest));
        if (requestComplete || closeAfterResponse) {
            finish();
        } else {
            discard.start();
        }
    }

    /** Ends the exchange that completed, and starts on the next pipelined request or closes. */
    private void finish() {
        inExchange = false;
        exchange = null;
        if (closeAfterResponse || !clientKeepAlive || connection.entrypoint().draining()) {
            connection.close(!requestComplete);
            return;
        }
        connection.nextRequest();
    }

    /** Cuts the client off: its response cannot be completed. */
    private void cut(String reason) {
        if (exchange != null) {
            exchange.cancel(status == 0 ? HttpResponseStatus.BAD_GATEWAY.code() : status);
            exchange = null;
        }
        inExchange = false;
        connection.abort(reason);
    }
}
