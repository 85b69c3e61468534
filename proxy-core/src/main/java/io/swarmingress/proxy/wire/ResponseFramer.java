package io.swarmingress.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AsciiString;

/**
 * Reads the responses of one upstream connection as bytes and hands them on with the least work
 * HTTP/1.1 allows a proxy.
 *
 * <p>Why not Netty's codec: decoding a response into header objects and encoding it again was the
 * largest cost of the whole proxy (a JFR profile of the keep-alive benchmark put the HTTP codec at
 * a third of the samples). A proxy only has to know where a response ends and which of its header
 * lines describe the connection. So the head is scanned in place, the client gets a copy of it
 * without the hop-by-hop lines, and the body goes on as slices of the buffers read: untouched,
 * chunk framing included, unless an HTTP/1.0 client needs it removed.
 *
 * <p>Strict where leniency would let the two sides disagree about where a message ends: folded
 * lines, control bytes, a malformed or conflicting {@code Content-Length}, a bad chunk or trailer
 * line, or bytes after the end of a response are errors, and the connection is not reused. Nor is
 * it after a response with both framing fields, or one without a body by definition (to HEAD, a
 * 204 or 304): a lenient backend may still send that body, later, into the next client's exchange.
 *
 * <p>Not thread-safe: it belongs to one upstream connection and runs on its event loop. The
 * accessors describe the head just read and are valid only inside {@link Sink#onResponseHead}.
 */
public final class ResponseFramer {
    /** Status line and header limits, as for requests (nginx and HAProxy allow about as much). */
    static final int MAX_HEAD = 24 * 1024;
    private static final int MAX_LINES = 256;
    /** Interim responses allowed before the final one; a backend sending more is stalling or flooding. */
    static final int MAX_INTERIM = 16;

    /** Where the framed responses go, in order: a head, its body in pieces, its end. */
    public interface Sink {
        /** A head was read: interim (1xx) or final. Read the framer's accessors now; they change later. */
        void onResponseHead(ResponseFramer head);

        /** Bytes of the body to send on, owned by the callee. */
        void onResponseBody(ByteBuf bytes);

        /** A trailer field of a body being de-chunked ({@link #dechunk}); passed on chunked, they travel in its bytes. */
        default void onResponseTrailer(AsciiString lowerName, AsciiString value) {
        }

        /** @param reusable whether the connection may carry another exchange */
        void onResponseEnd(boolean reusable);

        /** The response cannot be read; nothing more will come from this framer until {@link #start}. */
        void onResponseError(String reason);
    }

    private static final int IDLE = 0;
    private static final int HEAD = 1;
    private static final int BODY = 2;
    /** A head without a body was handed on; the message ends when the callback returns. */
    private static final int ENDS_AFTER_HEAD = 3;

    /** A field of the head just read, as the proxy passes it on to a client that takes fields rather than bytes (HTTP/2). */
    public interface FieldVisitor {
        /** @param lowerName the name in lower case, as HTTP/2 requires */
        void field(AsciiString lowerName, AsciiString value);
    }

    private final HeadLines head = new HeadLines();
    private final ResponseFraming framing = new ResponseFraming();
    private final ResponseBody body = new ResponseBody();
    private int state = IDLE;
    private boolean headRequest;
    /** Bytes of an incomplete head, or of a chunk line not yet checked whole, carried to the next read. */
    private final CarriedBytes carried = new CarriedBytes();
    /** The buffer the head being handed on came from; set only during {@link Sink#onResponseHead}. */
    private ByteBuf current;
    private int interim;

    /** Expects the response to a new request on this connection. */
    public void start(boolean headRequest) {
        this.headRequest = headRequest;
        body.reset();
        this.interim = 0;
        this.state = HEAD;
        head.reset();
        carried.release();
    }

    /** Stops reading the current response: whatever else arrives for it is dropped. */
    public void stop() {
        state = IDLE;
        head.reset();
        carried.release();
    }

    /** Called from {@link Sink#onResponseHead}: the client gets the body's data without chunk framing or trailers. */
    public void dechunk() {
        body.dechunk();
    }

    /** Whether a message is being read, i.e. the connection closing now would cut it short. */
    boolean inMessage() {
        return state != IDLE;
    }

    /**
     * The upstream closed. A body delimited by the close is complete now; anything else in
     * progress is cut short and the caller treats it so.
     *
     * @return true when this ended the message (the sink heard {@code onResponseEnd})
     */
    public boolean onClose(Sink sink) {
        if (state == BODY && body.untilClose()) {
            state = IDLE;
            sink.onResponseEnd(false);
            return true;
        }
        return false;
    }

    /** Reads what arrived; takes ownership of {@code in}. */
    public void feed(ByteBuf in, Sink sink) {
        in = carried.merge(in);
        try {
            while (in.isReadable()) {
                if (state == HEAD) {
                    if (!readHead(in, sink)) {
                        return;
                    }
                } else if (state == BODY) {
                    if (!readBody(in, sink)) {
                        return;
                    }
                } else {
                    // Nobody asked: an upstream talking out of turn, or the rest of a response
                    // already given up on. Either way the connection is not to be trusted.
                    in.skipBytes(in.readableBytes());
                }
            }
        } finally {
            in.release();
        }
    }

    // ---------------------------------------------------------------- head

    /** @return false when the head is incomplete (its bytes are kept for the next read) or refused */
    private boolean readHead(ByteBuf in, Sink sink) {
        int found = head.scan(in, MAX_HEAD, MAX_LINES);
        if (found < 0) {
            return fail(in, sink, "response head has too many lines");
        }
        if (found == 0) {
            if (in.readableBytes() >= MAX_HEAD) {
                return fail(in, sink, "response head larger than " + MAX_HEAD + " bytes");
            }
            carried.keep(in);
            return false;
        }
        String error = framing.read(head);
        if (error != null) {
            return fail(in, sink, error);
        }
        in.readerIndex(head.headEnd);
        if (framing.status < 200) {
            if (++interim > MAX_INTERIM) {
                return fail(in, sink, "more than " + MAX_INTERIM + " interim responses");
            }
            state = HEAD;
        } else {
            state = body.follows(framing, headRequest) ? BODY : ENDS_AFTER_HEAD;
        }
        current = in;
        try {
            sink.onResponseHead(this);
        } finally {
            current = null;
        }
        if (state == ENDS_AFTER_HEAD) {
            complete(in, sink);
        }
        return true;
    }

    // ---------------------------------------------------------------- the head just read

    public int status() {
        return framing.status;
    }

    /** Whether the upstream will keep the connection open after this response. */
    public boolean keepAlive() {
        return framing.keepAlive;
    }

    /** Whether the body is chunked (and will be passed on chunked unless {@link #dechunk()} is called). */
    public boolean chunked() {
        return framing.chunked;
    }

    /** Whether codings other than chunked were applied (gzip, chunked): de-chunking alone would not give the content. */
    public boolean codedBeyondChunked() {
        return framing.codedBeyondChunked();
    }

    /** Whether the body ends only when the upstream closes the connection. */
    public boolean endsAtClose() {
        return state == BODY && body.untilClose();
    }

    /** The length of the body from Content-Length (also for a response to HEAD), or -1 when the head has none. */
    public long contentLength() {
        return framing.contentLength;
    }

    /**
     * Visits the fields the client gets, for a client that takes them as fields (HTTP/2): the same
     * lines {@link #encodeHead} copies, without the hop-by-hop ones and without the framing fields
     * (the client's protocol frames the body itself; {@link #contentLength()} tells the length).
     */
    public void forEachField(FieldVisitor visitor) {
        ResponseHeadWriter.visitFields(head, visitor);
    }

    /**
     * The head for the client, written by {@link ResponseHeadWriter}.
     *
     * @param dropTransferEncoding leave out Transfer-Encoding (the body is passed on de-chunked)
     * @param connection the value of the Connection line to add, or null for none
     * @param via a Via value to add, or null
     */
    public ByteBuf encodeHead(ByteBufAllocator alloc, boolean dropTransferEncoding, String connection, String via) {
        return encodeHead(alloc, dropTransferEncoding, connection, via, null, null);
    }

    /**
     * The head for the client, with one more Set-Cookie line of the proxy's own after the
     * endpoint's lines (a sticky session; what it names is the caller's business).
     *
     * @param hsts a Strict-Transport-Security value that replaces the upstream's, or null to pass the upstream's on
     * @param setCookie the value of a Set-Cookie line to add, or null for none
     */
    public ByteBuf encodeHead(ByteBufAllocator alloc, boolean dropTransferEncoding, String connection, String via, String hsts,
            String setCookie) {
        // A short body that is all here already goes in the same buffer (the message then ends after the head).
        int inline = state == BODY ? body.inline(current) : 0;
        // An interim response has no content: framing lines (or HSTS) in one would only mislead.
        boolean interim = framing.status < 200;
        ByteBuf out = ResponseHeadWriter.write(head, alloc, interim ? -1 : framing.contentLength, dropTransferEncoding || interim,
                connection, via, interim ? null : hsts, setCookie, inline);
        if (inline > 0) {
            out.writeBytes(current, inline);
            body.consumed(inline);
            state = ENDS_AFTER_HEAD;
        }
        return out;
    }

    /**
     * Whether the head is a 101 that switches to WebSocket as RFC 6455 section 4.2.2 has it: the
     * {@code upgrade} option in Connection and one Upgrade line saying {@code websocket}. A 101
     * without them is not taken for a switch: the client would get canonical lines it never saw.
     */
    public boolean switchesToWebSocket() {
        return framing.status == 101 && framing.webSocketUpgrade(head);
    }

    /**
     * Called from {@link Sink#onResponseHead} for a 101 to a WebSocket upgrade: this framer reads
     * no more (the connection now carries another protocol), and the bytes that came after the
     * 101 in the same read are returned, the tunnel's first bytes (often empty).
     */
    public ByteBuf switchProtocols() {
        state = IDLE;
        return current.readRetainedSlice(current.readableBytes());
    }

    /** The 101 head for the client of a WebSocket upgrade ({@link ResponseHeadWriter#writeSwitch}). */
    public ByteBuf encodeSwitchHead(ByteBufAllocator alloc, String via) {
        return ResponseHeadWriter.writeSwitch(head, alloc, via);
    }

    // ---------------------------------------------------------------- body

    /** @return false when bytes of a chunk line not yet checked whole are left (kept for the next read) */
    private boolean readBody(ByteBuf in, Sink sink) {
        int result = body.read(in, sink);
        if (result == BodyFraming.ERROR) {
            fail(in, sink, body.error());
            return false;
        }
        if (result == BodyFraming.DONE) {
            complete(in, sink);
            return true;
        }
        if (in.isReadable()) {
            carried.keep(in);
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- endings

    /** The response is complete; bytes after it mean the upstream is out of step and is not reused. */
    private void complete(ByteBuf in, Sink sink) {
        state = IDLE;
        boolean clean = !in.isReadable() && !body.omitted();
        in.skipBytes(in.readableBytes());
        sink.onResponseEnd(clean);
    }

    private boolean fail(ByteBuf in, Sink sink, String reason) {
        state = IDLE;
        in.skipBytes(in.readableBytes());
        carried.release();
        sink.onResponseError(reason);
        return false;
    }
}
