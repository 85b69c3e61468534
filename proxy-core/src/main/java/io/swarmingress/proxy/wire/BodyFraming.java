package io.swarmingress.proxy.wire;

import io.netty.buffer.ByteBuf;

/**
 * Where a message body ends, and its bytes as slices of the buffers they arrived in: by length,
 * chunked, or until the connection closes. Both directions frame bodies here, so the slicing is
 * written once.
 */
final class BodyFraming {
    /** What {@link #read} found. */
    static final int MORE = 0;
    static final int DONE = 1;
    static final int ERROR = -1;

    /** Receives body bytes, owned by the callee. */
    interface Sink {
        void body(ByteBuf slice);
    }

    private static final int FIXED = 1;
    private static final int CHUNKED = 2;
    private static final int UNTIL_CLOSE = 3;

    private final ChunkedBody chunks = new ChunkedBody();
    private int mode;
    private long remaining;

    void fixed(long length) {
        mode = FIXED;
        remaining = length;
    }

    void chunked() {
        mode = CHUNKED;
        chunks.reset();
    }

    void untilClose() {
        mode = UNTIL_CLOSE;
    }

    /** Whether the rest of a body framed by length is at most {@code bytes} (false for other framings). */
    boolean fitsIn(long bytes) {
        return mode == FIXED && remaining <= bytes;
    }

    /** Bytes still to come of a body framed by length. */
    long remaining() {
        return remaining;
    }

    /** A body framed by length took {@code n} of its bytes elsewhere (sent with the head). */
    void consumed(long n) {
        remaining -= n;
    }

    /**
     * Hands on the body bytes readable in {@code in} from its reader index and moves the reader
     * index past them. A walk that stops inside a chunk size or trailer line leaves that line's
     * bytes unread: they go on once the line is complete and checked.
     *
     * @param data null to pass chunked bodies on as they are, else told where each chunk's data is
     *             (and the framing is not passed on)
     * @return {@link #DONE} at the end of the body, {@link #MORE}, or {@link #ERROR} (see {@link #error()})
     */
    int read(ByteBuf in, Sink sink, ChunkedBody.Data data) {
        switch (mode) {
            case FIXED: {
                int n = (int) Math.min(remaining, in.readableBytes());
                if (n > 0) {
                    sink.body(in.readRetainedSlice(n));
                    remaining -= n;
                }
                return remaining == 0 ? DONE : MORE;
            }
            case CHUNKED: {
                int from = in.readerIndex();
                int result = chunks.walk(in, from, data);
                if (result == ChunkedBody.ERROR) {
                    return ERROR;
                }
                int to = chunks.position();
                if (data == null && to > from) {
                    sink.body(in.retainedSlice(from, to - from));
                }
                in.readerIndex(to);
                return result == ChunkedBody.DONE ? DONE : MORE;
            }
            case UNTIL_CLOSE:
                if (in.isReadable()) {
                    sink.body(in.readRetainedSlice(in.readableBytes()));
                }
                return MORE;
            default:
                throw new IllegalStateException("no body is being framed");
        }
    }

    /** What was wrong with a chunked body, after {@link #read} returned {@link #ERROR}. */
    String error() {
        return chunks.error();
    }
}
