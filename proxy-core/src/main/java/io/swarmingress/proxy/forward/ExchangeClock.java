package io.swarmingress.proxy.forward;

import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.Timeouts;

/**
 * The times one exchange is judged by, on the loop's ticker: the response head within the
 * service's response timeout once the request went up, no silence longer than its idle timeout,
 * the whole exchange within its request timeout, and an endpoint that left the service drained
 * within its drain timeout.
 *
 * <p>Why it computes a deadline rather than arming timers: the front keeps one timer per client
 * connection, moved only when a deadline comes earlier, and asks for the next deadline when it
 * fires; a deadline that moves later (the idle one does on every read) costs no timer work.
 */
final class ExchangeClock {
    private final Ticker ticker;
    private final long startNanos;
    private long requestSentNanos;
    /**
     * When the current attempt's request was all sent (the pooled connection leased, the new one
     * connected, or the body's end, whichever is last): where the endpoint's latency is measured from.
     */
    private long attemptSentNanos;
    private long lastActivityNanos;
    /** A client's deadline for the whole exchange (gRPC's {@code grpc-timeout}), in nanoseconds; 0 for none. */
    private long clientDeadlineNanos;
    /** When the exchange first saw its endpoint gone from the service; 0 while it is not. */
    private long drainingSince;

    ExchangeClock(Ticker ticker, long startNanos) {
        this.ticker = ticker;
        this.startNanos = startNanos;
        this.requestSentNanos = startNanos;
        this.lastActivityNanos = startNanos;
    }

    long now() {
        return ticker.nanoTime();
    }

    long elapsed() {
        return ticker.nanoTime() - startNanos;
    }

    /** The client gave the exchange this long in all ({@link GrpcTimeout}); 0 for no limit. */
    void clientDeadline(long nanos) {
        clientDeadlineNanos = nanos;
    }

    /** Bytes moved: the idle timeout starts again. */
    void activity() {
        lastActivityNanos = ticker.nanoTime();
    }

    /** The request went up whole: the response timeout runs from now, and the endpoint's latency (for p2c). */
    void requestSent() {
        requestSentNanos = ticker.nanoTime();
        attemptSentNanos = requestSentNanos;
    }

    /** An attempt's request is on its way (a leased connection, a new one connected): its latency runs from now. */
    void attemptSent() {
        attemptSentNanos = ticker.nanoTime();
    }

    /** How long the endpoint took to answer the current attempt, at {@code now} (its response head). */
    long sinceAttemptSent(long now) {
        return now - attemptSentNanos;
    }

    /**
     * @param awaitingHead whether the whole request went up and no response has started (the
     *        response timeout applies, else the idle one)
     * @param draining whether the exchange's endpoint has left its service
     */
    long deadline(Timeouts timeouts, boolean awaitingHead, boolean draining) {
        long next = awaitingHead
                ? requestSentNanos + timeouts.response().toNanos()
                : lastActivityNanos + timeouts.idle().toNanos();
        if (timeouts.request() != null) {
            next = Math.min(next, startNanos + timeouts.request().toNanos());
        }
        if (clientDeadlineNanos > 0 && clientDeadlineNanos < timeouts.response().toNanos()) {
            // Honoured when shorter than the service's own response timeout, as Envoy's max_grpc_timeout does.
            next = Math.min(next, startNanos + clientDeadlineNanos);
        }
        if (draining) {
            if (drainingSince == 0) {
                drainingSince = ticker.nanoTime() | 1;
            }
            next = Math.min(next, drainingSince + timeouts.drain().toNanos());
        }
        return next;
    }
}
