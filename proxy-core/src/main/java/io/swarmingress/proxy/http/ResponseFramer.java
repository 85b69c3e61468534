package io.swarmingress.proxy.http;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

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
 * lines, control bytes, a malformed or conflicting {@code Content-Length}, a bad chunk size or
 * bytes after the end of a response are errors, and the connection is not reused.
 *
 * <p>Not thread-safe: it belongs to one upstream connection and runs on its event loop. The
 * accessors describe the head just read and are valid only inside {@link Sink#onResponseHead}.
 */
final class ResponseFramer implements ChunkedBody.Data {
    /** Status line and header limits, as for requests (nginx and HAProxy allow about as much). */
    static final int MAX_HEAD = 24 * 1024;
    private static final int MAX_LINES = 256;
    /** A body up to this size that arrived with its head is copied into the head's buffer: one write, no slice. */
    private static final int INLINE_BODY = 2048;
    /** Interim responses allowed before the final one; a backend sending more is stalling or flooding. */
    static final int MAX_INTERIM = 16;

    /** Where the framed responses go, in order: a head, its body in pieces, its end. */
    interface Sink {
        /** A head was read: interim (1xx) or final. Read the framer's accessors now; they change later. */
        void onResponseHead(ResponseFramer head);

        /** Bytes of the body to send on, owned by the callee. */
        void onResponseBody(ByteBuf bytes);

        /** @param reusable whether the connection may carry another exchange */
        void onResponseEnd(boolean reusable);

        /** The response cannot be read; nothing more will come from this framer until {@link #start}. */
        void onResponseError(String reason);
    }

    private static final int IDLE = 0;
    private static final int HEAD = 1;
    private static final int FIXED = 2;
    private static final int UNTIL_CLOSE = 3;
    private static final int CHUNKED = 4;
    /** A head without a body was handed on; the message ends when the callback returns. */
    private static final int ENDS_AFTER_HEAD = 5;

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);

    private final HeadLines head = new HeadLines();
    private final ChunkedBody chunks = new ChunkedBody();
    private int state = IDLE;
    private boolean headRequest;
    private boolean dechunk;
    /** Bytes of an incomplete head, carried to the next read. */
    private ByteBuf partial;
    /** Whether the buffer being read is {@link #partial} with the new read appended. */
    private boolean mergedIn;
    private long remaining;
    private Sink dataSink;
    /** The buffer the head being handed on came from; set only during {@link Sink#onResponseHead}. */
    private ByteBuf current;

    // the head just read
    private int status;
    private boolean keepAlive;
    private boolean chunked;
    private boolean transferEncoding;
    private long contentLength;
    /** Both Content-Length and Transfer-Encoding: framed by the latter, and the connection is not reused. */
    private boolean framingConflict;
    /** Interim (1xx) responses so far in the current exchange. */
    private int interim;
    /** A response whose body is absent by definition (to HEAD, 204, 304): its connection is not reused. */
    private boolean bodyOmitted;

    /** Expects the response to a new request on this connection. */
    void start(boolean headRequest) {
        this.headRequest = headRequest;
        this.dechunk = false;
        this.interim = 0;
        this.state = HEAD;
        head.reset();
        releasePartial();
    }

    /** Stops reading the current response: whatever else arrives for it is dropped. */
    void stop() {
        state = IDLE;
        head.reset();
        releasePartial();
    }

    /** Called from {@link Sink#onResponseHead}: the client gets the body's data without chunk framing or trailers. */
    void dechunk() {
        dechunk = true;
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
    boolean onClose(Sink sink) {
        if (state == UNTIL_CLOSE) {
            state = IDLE;
            sink.onResponseEnd(false);
            return true;
        }
        return false;
    }

    /** Reads what arrived; takes ownership of {@code in}. */
    void feed(ByteBuf in, Sink sink) {
        mergedIn = partial != null;
        if (mergedIn) {
            ByteBuf merged = partial.writeBytes(in);
            partial = null;
            in.release();
            in = merged;
        }
        try {
            while (in.isReadable()) {
                switch (state) {
                    case HEAD:
                        if (!readHead(in, sink)) {
                            return;
                        }
                        break;
                    case FIXED:
                        readFixed(in, sink);
                        break;
                    case CHUNKED:
                        if (!readChunked(in, sink)) {
                            keepRest(in);
                            return;
                        }
                        break;
                    case UNTIL_CLOSE:
                        sink.onResponseBody(in.readRetainedSlice(in.readableBytes()));
                        break;
                    default:
                        // Nobody asked: an upstream talking out of turn, or the rest of a response
                        // already given up on. Either way the connection is not to be trusted.
                        in.skipBytes(in.readableBytes());
                        break;
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
            int readable = in.readableBytes();
            if (readable >= MAX_HEAD) {
                return fail(in, sink, "response head larger than " + MAX_HEAD + " bytes");
            }
            keepRest(in);
            return false;
        }
        String error = parseHead();
        if (error != null) {
            return fail(in, sink, error);
        }
        in.readerIndex(head.headEnd);

        int next;
        bodyOmitted = false;
        if (status < 200) {
            if (++interim > MAX_INTERIM) {
                return fail(in, sink, "more than " + MAX_INTERIM + " interim responses");
            }
            next = HEAD;
        } else if (headRequest || status == 204 || status == 304) {
            // No body by definition. A lenient backend may send one anyway, later: the connection
            // is closed after this response rather than hand those bytes to the next client.
            bodyOmitted = true;
            next = ENDS_AFTER_HEAD;
        } else if (chunked) {
            next = CHUNKED;
            chunks.reset();
        } else if (transferEncoding || contentLength < 0) {
            next = UNTIL_CLOSE;
        } else if (contentLength == 0) {
            next = ENDS_AFTER_HEAD;
        } else {
            next = FIXED;
            remaining = contentLength;
        }
        state = next;
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

    /** @return null, or why the head is unacceptable */
    private String parseHead() {
        HeadLines h = head;
        byte[] b = h.bytes;
        int s = h.start[0];
        int len = h.end[0] - s;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (len < 12 || b[s] != 'H' || b[s + 1] != 'T' || b[s + 2] != 'T'
                || b[s + 3] != 'P' || b[s + 4] != '/' || b[s + 5] != '1'
                || b[s + 6] != '.' || !HeadLines.isDigit(b[s + 7]) || b[s + 8] != ' '
                || !HeadLines.isDigit(b[s + 9]) || !HeadLines.isDigit(b[s + 10])
                || !HeadLines.isDigit(b[s + 11]) || (len > 12 && b[s + 12] != ' ')) {
            return "invalid status line";
        }
        for (int p = s + 12; p < h.end[0]; p++) {
            byte c = b[p];
            if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
                return "invalid character in the status line";
            }
        }
        boolean http10 = b[s + 7] == '0';
        status = (b[s + 9] - '0') * 100 + (b[s + 10] - '0') * 10 + (b[s + 11] - '0');
        if (status < 100) {
            return "invalid status code";
        }
        contentLength = -1;
        chunked = false;
        transferEncoding = false;
        int transferEncodings = 0;
        FieldRules.Coding coding = null;
        for (int i = 1; i < h.count; i++) {
            String error = h.checkHeader(i);
            if (error != null) {
                return error;
            }
            if (h.dropHopByHop(i)) {
                continue;
            }
            if (h.nameIs(i, "content-length")) {
                long value = h.contentLength(i);
                if (value < 0 || (contentLength >= 0 && value != contentLength)) {
                    return "invalid Content-Length";
                }
                contentLength = value;
                // Written again as one canonical line (or not at all, next to Transfer-Encoding).
                h.flags[i] = HeadLines.DROP;
            } else if (h.nameIs(i, "transfer-encoding")) {
                transferEncodings++;
                coding = h.transferCoding(i);
            }
        }
        framingConflict = false;
        if (transferEncodings > 0) {
            if (transferEncodings > 1 || coding == FieldRules.Coding.MALFORMED) {
                return "invalid Transfer-Encoding";
            }
            transferEncoding = true;
            chunked = coding != FieldRules.Coding.NOT_CHUNKED;
            if (contentLength >= 0) {
                // RFC 9112 section 6.3: Transfer-Encoding wins and the Content-Length does not go on; a
                // peer that sent both may read its own messages otherwise, so its connection is not reused.
                contentLength = -1;
                framingConflict = true;
            }
        }
        // RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing; close after it.
        keepAlive = h.keepsConnection(http10) && !(http10 && transferEncoding) && !framingConflict;
        return null;
    }

    // ---------------------------------------------------------------- the head just read

    int status() {
        return status;
    }

    /** Whether the upstream will keep the connection open after this response. */
    boolean keepAlive() {
        return keepAlive;
    }

    /** Whether the body is chunked (and will be passed on chunked unless {@link #dechunk()} is called). */
    boolean chunked() {
        return chunked;
    }

    /** Whether the body ends only when the upstream closes the connection. */
    boolean endsAtClose() {
        return state == UNTIL_CLOSE;
    }

    /**
     * The head for the client: status line as HTTP/1.1, the header lines without the hop-by-hop
     * ones, then the proxy's own. One copy of a few hundred bytes, where the codec would build and
     * walk a header map twice.
     *
     * @param dropTransferEncoding leave out Transfer-Encoding (the body is passed on de-chunked)
     * @param connection the value of the Connection line to add, or null for none
     * @param via a Via value to add, or null
     */
    ByteBuf encodeHead(ByteBufAllocator alloc, boolean dropTransferEncoding, String connection, String via) {
        HeadLines h = head;
        // A short body that is all here already goes in the same buffer (the message then ends after the head).
        int inline = state == FIXED && remaining <= INLINE_BODY && current != null && current.readableBytes() >= remaining
                ? (int) remaining : 0;
        ByteBuf out = alloc.directBuffer(h.length + 64 + inline);
        int s = h.start[0];
        out.writeBytes(HTTP_1_1);
        out.writeBytes(h.bytes, s + 8, h.end[0] - s - 8);
        out.writeShort(HeadLines.CRLF);
        for (int i = 1; i < h.count; i++) {
            if (h.flags[i] == HeadLines.DROP || (dropTransferEncoding && h.nameIs(i, "transfer-encoding"))) {
                continue;
            }
            h.copyLine(i, out);
        }
        if (contentLength >= 0) {
            out.writeBytes(CONTENT_LENGTH);
            HeadLines.writeDecimal(out, contentLength);
            out.writeShort(HeadLines.CRLF);
        }
        if (connection != null) {
            HeadLines.writeField(out, "connection", connection);
        }
        if (via != null) {
            HeadLines.writeField(out, "via", via);
        }
        out.writeShort(HeadLines.CRLF);
        if (inline > 0) {
            out.writeBytes(current, inline);
            remaining = 0;
            state = ENDS_AFTER_HEAD;
        }
        return out;
    }

    // ---------------------------------------------------------------- body

    private void readFixed(ByteBuf in, Sink sink) {
        int n = (int) Math.min(remaining, in.readableBytes());
        sink.onResponseBody(in.readRetainedSlice(n));
        remaining -= n;
        if (remaining == 0 && state == FIXED) {
            complete(in, sink);
        }
    }

    /**
     * Keeps the unread bytes for the next read: an incomplete head, or a chunk size or trailer line
     * not yet checked whole.
     */
    private void keepRest(ByteBuf in) {
        if (mergedIn && in.readerIndex() == 0) {
            // Already our own copy and nothing of it consumed: keep it (feed's release is balanced
            // here) rather than copy a trickled head again on every read.
            partial = in.retain();
        } else {
            int readable = in.readableBytes();
            partial = in.alloc().heapBuffer(Math.max(1024, readable * 2));
            partial.writeBytes(in);
        }
    }

    /**
     * Passed on as read, one slice per buffer, unless de-chunking: then only the data goes on.
     *
     * @return false when bytes of a line not yet checked whole are left (kept for the next read)
     */
    private boolean readChunked(ByteBuf in, Sink sink) {
        int from = in.readerIndex();
        dataSink = sink;
        int result = chunks.walk(in, from, dechunk ? this : null);
        dataSink = null;
        if (result == ChunkedBody.ERROR) {
            fail(in, sink, chunks.error());
            return true;
        }
        int to = chunks.position();
        if (!dechunk && to > from) {
            sink.onResponseBody(in.retainedSlice(from, to - from));
        }
        in.readerIndex(to);
        if (result == ChunkedBody.DONE) {
            complete(in, sink);
            return true;
        }
        return !in.isReadable();
    }

    @Override
    public void data(ByteBuf in, int index, int length) {
        dataSink.onResponseBody(in.retainedSlice(index, length));
    }

    // ---------------------------------------------------------------- endings

    /** The response is complete; bytes after it mean the upstream is out of step and is not reused. */
    private void complete(ByteBuf in, Sink sink) {
        state = IDLE;
        boolean clean = !in.isReadable() && !bodyOmitted;
        in.skipBytes(in.readableBytes());
        sink.onResponseEnd(clean);
    }

    private boolean fail(ByteBuf in, Sink sink, String reason) {
        state = IDLE;
        in.skipBytes(in.readableBytes());
        releasePartial();
        sink.onResponseError(reason);
        return false;
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
