package io.swarmingress.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;

/**
 * The body of the response a {@link ResponseFramer} is reading: whether the head gave it one and
 * how it is delimited (RFC 9112 section 6.3), and its bytes on their way to the framer's sink, as
 * slices of the buffers read with the chunk framing untouched, or de-chunked into data and
 * trailer fields for a client that frames the body itself (HTTP/1.0, HTTP/2).
 *
 * <p>Apart from the framer because it is the one piece with rules and state of its own about the
 * body alone (which heads have none, which end only at the close, whether the chunk framing is
 * kept, a short body that can go out with its head), while the framer keeps the order of heads,
 * bodies and ends on the connection. Mutable and reused for every response of one connection,
 * like the framer it belongs to.
 */
final class ResponseBody implements ChunkedBody.Data {
    /** A body up to this size that arrived with its head is copied into the head's buffer: one write, no slice. */
    private static final int INLINE = 2048;

    private final BodyFraming framing = new BodyFraming();
    private boolean dechunk;
    private boolean untilClose;
    /** A response whose body is absent by definition (to HEAD, 204, 304): its connection is not reused. */
    private boolean omitted;
    /** The sink of the read in progress; set only during {@link #read}. */
    private ResponseFramer.Sink sink;
    private final BodyFraming.Sink toSink = slice -> sink.onResponseBody(slice);

    /** A new response is expected: its body, if any, goes on with its chunk framing until told otherwise. */
    void reset() {
        dechunk = false;
    }

    /** The client gets the body's data without chunk framing or trailers. */
    void dechunk() {
        dechunk = true;
    }

    /**
     * Sets up the body that follows a final head.
     *
     * @param toHead whether the request was a HEAD, whose response has no body whatever its head says
     * @return whether a body follows the head (else the message ends with it)
     */
    boolean follows(ResponseFraming head, boolean toHead) {
        omitted = false;
        untilClose = false;
        if (toHead || head.status == 204 || head.status == 304) {
            omitted = true;
            return false;
        }
        if (head.chunked) {
            framing.chunked();
        } else if (head.contentLength < 0) {
            untilClose = true;
            framing.untilClose();
        } else if (head.contentLength == 0) {
            return false;
        } else {
            framing.fixed(head.contentLength);
        }
        return true;
    }

    /** Whether the body set up last ends only when the upstream closes the connection. */
    boolean untilClose() {
        return untilClose;
    }

    /** Whether the message just ended had its body omitted by definition (so a lenient peer may still send one). */
    boolean omitted() {
        return omitted;
    }

    /**
     * How many bytes of {@code in} are the whole rest of a short body framed by length, to go out
     * in the head's buffer ({@link #consumed} once copied); 0 when the body is not that.
     */
    int inline(ByteBuf in) {
        long remaining = framing.remaining();
        return framing.fitsIn(INLINE) && in != null && in.readableBytes() >= remaining ? (int) remaining : 0;
    }

    /** The first {@code n} bytes of a body framed by length went out with the head. */
    void consumed(int n) {
        framing.consumed(n);
    }

    /**
     * Hands on the body bytes readable in {@code in} ({@link BodyFraming#read}).
     *
     * @return {@link BodyFraming#DONE}, {@link BodyFraming#MORE} or {@link BodyFraming#ERROR} (see {@link #error()})
     */
    int read(ByteBuf in, ResponseFramer.Sink to) {
        sink = to;
        try {
            return framing.read(in, toSink, dechunk ? this : null);
        } finally {
            sink = null;
        }
    }

    /** What was wrong with the body, after {@link #read} returned {@link BodyFraming#ERROR}. */
    String error() {
        return framing.error();
    }

    @Override
    public void data(ByteBuf in, int index, int length) {
        sink.onResponseBody(in.retainedSlice(index, length));
    }

    @Override
    public void trailer(AsciiString lowerName, AsciiString value) {
        sink.onResponseTrailer(lowerName, value);
    }
}
