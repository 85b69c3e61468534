package io.swarmingress.proxy.http1;

import io.swarmingress.config.ClientLimits;

/**
 * The client's side of one connection's deadlines: how long it may stay idle between requests,
 * take to send a request head, take to send a body, and how long a closing connection lingers.
 *
 * <p>Why not a timeout that every read re-arms: a slowloris client sends one byte of its head every
 * few seconds and holds the connection forever under such a rule. So a head must be complete a
 * fixed time after its first byte, and a body must keep to a minimum average rate (Apache
 * mod_reqtimeout's rule: the deadline moves out by one second per {@code bodyMinRate} bytes
 * received). Time during which the proxy itself stopped reading (backpressure from the upstream)
 * is not held against the client.
 *
 * <p>Only facts are recorded here, with times from the connection's event loop ticker; the
 * handler asks for the next deadline when its one timer fires. Not thread-safe: one per
 * connection, on its event loop.
 */
final class ClientDeadlines {
    /** Which rule the next deadline comes from. */
    enum Kind { IDLE, HEADER, BODY, LINGER }

    private final long idleNanos;
    private final long headerNanos;
    private final long bodyNanos;
    private final long bodyMinRate;
    private long lastActivity;
    /** When the head being read began (its first byte, or the accept), else -1. */
    private long headStart = -1;
    private boolean headBytes;
    /** When the body being read began, else -1. */
    private long bodyStart = -1;
    private long bodyReceived;
    private long pausedTotal;
    private long pausedSince = -1;
    private long lingerUntil = -1;
    private Kind kind = Kind.IDLE;

    ClientDeadlines(ClientLimits limits) {
        this.idleNanos = limits.idle().toNanos();
        this.headerNanos = limits.header().toNanos();
        this.bodyNanos = limits.body().toNanos();
        this.bodyMinRate = limits.bodyMinRate();
    }

    /** A new connection: its first head is due {@code header} after the accept, bytes or not. */
    void accepted(long now) {
        lastActivity = now;
        headStart = now;
        headBytes = false;
    }

    void read(long now) {
        lastActivity = now;
    }

    /** An exchange ended and the connection stays: idle from now, however long the response took to send. */
    void exchangeEnded(long now) {
        lastActivity = now;
    }

    /** Bytes of a head arrived that did not complete it; its clock starts with the first of them. */
    void headPending(long now) {
        if (headStart < 0) {
            headStart = now;
        }
        headBytes = true;
    }

    void headDone() {
        headStart = -1;
        headBytes = false;
    }

    /** Whether bytes of a next head (even empty lines) arrived and its clock runs. */
    boolean headStarted() {
        return headStart >= 0 && headBytes;
    }

    /** Whether any byte of the head in progress arrived (a timed-out head then gets a 408, else a silent close). */
    boolean headHasBytes() {
        return headBytes;
    }

    void bodyStarted(long now) {
        bodyStart = now;
        bodyReceived = 0;
        pausedTotal = 0;
        pausedSince = -1;
    }

    void bodyReceived(long bytes) {
        bodyReceived += bytes;
    }

    void bodyDone() {
        bodyStart = -1;
    }

    boolean readingBody() {
        return bodyStart >= 0;
    }

    /** The proxy stopped reading the client (or started again): paused time does not count. */
    void paused(boolean paused, long now) {
        if (paused && pausedSince < 0) {
            pausedSince = now;
        } else if (!paused && pausedSince >= 0) {
            pausedTotal += now - pausedSince;
            pausedSince = -1;
        }
    }

    /** The connection is closing after a response: reads are dropped until the client closes, or until this long. */
    void linger(long now, long nanos) {
        lingerUntil = now + nanos;
    }

    boolean lingering() {
        return lingerUntil >= 0;
    }

    /**
     * The next deadline of the client side, with {@link #kind()} saying which rule it comes from;
     * {@code Long.MAX_VALUE} when none applies (the body is paused by the proxy, or the client is
     * waiting for a response).
     *
     * @param betweenRequests whether no exchange is in progress (the idle and head rules apply)
     */
    long next(boolean betweenRequests) {
        if (lingerUntil >= 0) {
            kind = Kind.LINGER;
            return lingerUntil;
        }
        if (bodyStart >= 0) {
            kind = Kind.BODY;
            if (pausedSince >= 0) {
                return Long.MAX_VALUE;
            }
            // bodyReceived / bodyMinRate seconds, in nanos without overflow for any size a body can have.
            long allowed = bodyNanos + Math.min(bodyReceived / bodyMinRate, 1_000_000_000L) * 1_000_000_000L
                    + bodyReceived % bodyMinRate * 1_000_000_000L / bodyMinRate;
            return bodyStart + pausedTotal + allowed;
        }
        if (!betweenRequests) {
            return Long.MAX_VALUE;
        }
        long idle = lastActivity + idleNanos;
        if (headStart >= 0 && (headBytes || headStart + headerNanos - idle < 0)) {
            // A head under way is due a fixed time after its first byte; a new connection that has
            // sent nothing yet gets whichever comes first, its head deadline or the idle timeout.
            kind = Kind.HEADER;
            return headStart + headerNanos;
        }
        kind = Kind.IDLE;
        return idle;
    }

    Kind kind() {
        return kind;
    }
}
