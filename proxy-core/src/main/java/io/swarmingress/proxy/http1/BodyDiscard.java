package io.swarmingress.proxy.http1;

import io.netty.buffer.ByteBuf;

/**
 * The rest of a request body whose answer was given without it (a 404 or 413 to a request with a
 * body, nginx's "discarded body"): read and dropped so the connection can carry the next request,
 * up to a bound past which the connection closes instead. Reading a large upload nobody wants
 * costs more than the client's new connection.
 */
final class BodyDiscard {
    /** Dropped up to this size to keep the connection; past it, the connection closes. */
    static final long MAX = 1024 * 1024;

    private boolean active;
    private long dropped;

    /** A new request: nothing dropped yet. */
    void reset() {
        active = false;
        dropped = 0;
    }

    /** From now on the request's body is dropped as it comes. */
    void start() {
        active = true;
    }

    /** The body ended. */
    void stop() {
        active = false;
    }

    boolean active() {
        return active;
    }

    /** Releases the bytes. @return false once more than {@link #MAX} were dropped for this request */
    boolean drop(ByteBuf bytes) {
        dropped += bytes.readableBytes();
        bytes.release();
        return dropped <= MAX;
    }

    /** How many more bytes may still be dropped before the connection would rather close. */
    long room() {
        return MAX - dropped;
    }
}
