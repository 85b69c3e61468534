package io.swarmingress.proxy.forward;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.swarmingress.proxy.metrics.RequestMetrics;
import io.swarmingress.proxy.metrics.RequestProtocol;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Route;
import io.swarmingress.proxy.routing.Router;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * One request's trip through the proxy: route, service, endpoint, an upstream connection from the
 * loop's pool (or a new one), the request sent on and the response read back, and the end of it
 * all, counted once. It knows no client protocol: the front feeds it the request's body and hears
 * about the response through its {@link Downstream}. What the endpoint answers is taken in by its
 * {@link UpstreamResponse}.
 *
 * <p>A failure before the response started may send the request to another endpoint
 * ({@link Retries}; the request head is kept for that) and tells the service's passive health
 * ({@link UpstreamFailures}).
 *
 * <p>Its deadlines ({@link ExchangeClock}) are checked by the front's timer through
 * {@link #deadline} and {@link #checkDeadline}.
 *
 * <p>Not thread-safe: everything happens on the client connection's event loop. Once it has ended
 * ({@link Downstream#onResponseEnd}, {@link Downstream#onLocalAnswer}, {@link Downstream#onAbort}
 * or {@link #cancel}), it ignores everything and releases what it is given.
 */
public final class Exchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    final Forwarder forwarder;
    final Downstream down;
    final ExchangeClock clock;
    /** What the endpoint answers, read by the upstream connection's framer. */
    private final UpstreamResponse response = new UpstreamResponse(this);
    /** What a failed attempt means, for passive health and the retry rules. */
    private final UpstreamFailures failures = new UpstreamFailures(this);
    private String upstreamPath;
    // Shared with the response side, which changes them as a part of the exchange.
    RequestHead head;
    RequestMetrics metrics;
    Route route;
    Service service;
    Retries retries;
    Endpoint endpoint;
    /** Whether the request is the trial of its endpoint, back from an ejection ({@link Endpoint#acquire(long)}). */
    private boolean trial;
    UpstreamConnection upstream;
    boolean requestComplete;
    boolean responseStarted;
    boolean done;
    int status;

    Exchange(Forwarder forwarder, Downstream down, long startNanos) {
        this.forwarder = forwarder;
        this.down = down;
        this.clock = new ExchangeClock(forwarder.ticker, startNanos);
    }

    void start(RoutingTable table, String entrypoint, RequestHead request) {
        head = request;
        requestComplete = !request.hasBody();
        Router router = table.router(entrypoint);
        Route route = router == null ? null : router.match(request.host(), request.path(), request);
        if (route == null) {
            metrics = table.unrouted(entrypoint);
            answerLocally(HttpResponseStatus.NOT_FOUND, "no route for this host and path");
            return;
        }
        this.route = route;
        Service chosen = route.service(request, clock.now());
        metrics = route.metrics(chosen);
        if (route.headerCount() > 0 && route.conditionRepeated(request)) {
            answerLocally(HttpResponseStatus.BAD_REQUEST, "a header the route matches on appears more than once");
            return;
        }
        service = chosen;
        clock.clientDeadline(GrpcTimeout.nanos(request.get(GrpcTimeout.HEADER)));
        service.requestStarted();
        upstreamPath = route.rewritePath(request.path());
        long hashKey = service.hashKey(request, request.path(), forwarder.clientKey());
        retries = new Retries(service.retryPolicy(), Retries.idempotent(request), hashKey);
        attempt(service.pick(clock.now(), request, hashKey));
    }

    /** Sends the request to {@code picked}: over an idle pooled connection to it, or a new one. */
    private void attempt(Endpoint picked) {
        if (picked == null) {
            answerLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "service '" + service.name() + "' has no endpoints");
            return;
        }
        endpoint = picked;
        trial = picked.acquire(clock.now());
        clock.attemptSent();
        forwarder.send(this, service, picked, head, upstreamPath, retries);
    }

    /** The connection the current attempt uses, known before it connects (a failed connect may report at once). */
    void using(UpstreamConnection c) {
        upstream = c;
    }

    // ---------------------------------------------------------------- from the front

    /** Request body bytes, sent on (not flushed: the front's read batch ends with {@link #flushUpstream}). */
    public void body(ByteBuf bytes) {
        if (done) {
            bytes.release();
            return;
        }
        clock.activity();
        retries.sent(bytes);
        upstream.write(bytes);
    }

    /** The request body ended: from now on the response head is awaited against the response timeout. */
    public void requestEnded() {
        requestComplete = true;
        clock.requestSent();
    }

    public void flushUpstream() {
        if (!done) {
            upstream.flush();
        }
    }

    /** Whether the upstream takes more of the request body now (else the front stops reading its client). */
    public boolean takesBody() {
        return done || upstream.writable();
    }

    /** The client can take more of the response, or no more for now. */
    public void clientWritable(boolean writable) {
        if (!done) {
            upstream.autoRead(writable);
        }
    }

    /**
     * The front ends the exchange itself: the client went away (counted as 499, nginx's
     * convention), its body was malformed or too slow, or the front cut it off. The upstream
     * connection is closed; the downstream hears nothing more.
     *
     * @param counted the status the request is counted under
     */
    public void cancel(int counted) {
        if (done) {
            return;
        }
        status = counted;
        closeUpstream();
        end();
    }

    public boolean done() {
        return done;
    }

    /** The route the request matched; null when it matched none. */
    public Route route() {
        return route;
    }

    /** When this exchange's next deadline passes, on the loop's ticker; {@code Long.MAX_VALUE} once it ended. */
    public long deadline() {
        return done ? Long.MAX_VALUE
                : clock.deadline(service.timeouts(), !responseStarted && requestComplete, endpoint != null && endpoint.removed());
    }

    /** Acts on a passed deadline: 504 before the response started, a cut after. @return whether one had passed */
    public boolean checkDeadline(long now) {
        if (done || now - deadline() < 0) {
            return false;
        }
        if (!responseStarted) {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, "an endpoint of '" + service.name() + "' did not answer in time");
        } else {
            abort("exchange with '" + service.name() + "' ran out of time (idle, request or drain timeout)");
        }
        return true;
    }

    // ---------------------------------------------------------------- from the upstream

    void onConnected(UpstreamConnection c, Throwable cause) {
        if (c != upstream || done) {
            return;
        }
        if (cause != null) {
            failures.connectFailed(cause);
            return;
        }
        // The request leaves now: a new connection's handshake is not the endpoint's answering time.
        clock.attemptSent();
        down.onUpstreamWritabilityChanged();
    }

    void onUpstreamRead(UpstreamConnection c, ByteBuf msg) {
        if (c != upstream || done) {
            msg.release();
            return;
        }
        clock.activity();
        c.framer.feed(msg, response);
    }

    void onUpstreamReadComplete(UpstreamConnection c) {
        if (c == upstream && !done) {
            down.flush();
        }
    }

    void onUpstreamWritabilityChanged(UpstreamConnection c) {
        if (c == upstream && !done) {
            down.onUpstreamWritabilityChanged();
        }
    }

    void onUpstreamClosed(UpstreamConnection c) {
        if (c != upstream || done || c.framer.onClose(response)) {
            // Not ours any more, or a body delimited by the close that is now complete.
            return;
        }
        failures.closed();
    }

    /** The endpoint acknowledged nothing while the request awaited its head ({@link UpstreamFailures#silent}). */
    void onPeerSilent(UpstreamConnection c, TcpSample sample) {
        if (c != upstream || done || responseStarted) {
            return;
        }
        failures.silent(c, sample);
    }

    /** Whether the whole request went up and the response head is awaited. */
    boolean awaitsHead() {
        return !done && requestComplete && !responseStarted;
    }

    /** The endpoint did not process the request ({@link UpstreamFailures#refused}). */
    void onRefused(UpstreamConnection c) {
        if (c != upstream || done || responseStarted) {
            return;
        }
        failures.refused(c);
    }

    // ---------------------------------------------------------------- endings

    /** Sends the request again, to {@code next}, after a failure before the response started. */
    void retry(Endpoint next) {
        closeUpstream();
        endpoint.release(trial);
        endpoint = null;
        attempt(next);
        if (!done) {
            // Not from a client read: nothing else would flush what was just written.
            upstream.flush();
        }
    }

    /** The exchange ends with an answer of the proxy's own, before any response started. */
    private void answerLocally(HttpResponseStatus answer, String detail) {
        status = answer.code();
        end();
        down.onLocalAnswer(answer, detail);
    }

    /** A 502 or 504 of the proxy's own before the response started; a cut after. */
    void fail(HttpResponseStatus answer, String detail) {
        if (done) {
            return;
        }
        closeUpstream();
        if (responseStarted) {
            abort(detail);
            return;
        }
        answerLocally(answer, detail);
    }

    void abort(String reason) {
        if (done) {
            return;
        }
        log.debug("aborting exchange with service {}: {}", service == null ? null : service.name(), reason);
        if (status == 0) {
            status = HttpResponseStatus.BAD_GATEWAY.code();
        }
        closeUpstream();
        end();
        down.onAbort(reason);
    }

    private void closeUpstream() {
        if (upstream != null) {
            UpstreamConnection u = upstream;
            upstream = null;
            u.close();
        }
    }

    /** Counted once; the endpoint, the retry budget and the service's in-flight count released. */
    void end() {
        done = true;
        metrics.record(head != null && head.webSocketUpgrade() ? RequestProtocol.WS : down.protocol(), status, clock.elapsed());
        if (endpoint != null) {
            endpoint.release(trial);
            endpoint = null;
        }
        if (service != null) {
            retries.end(service);
            service.requestEnded();
        }
    }
}
