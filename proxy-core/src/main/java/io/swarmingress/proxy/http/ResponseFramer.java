package io.swarmingress.proxy.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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
 * lines, a bare CR, a NUL, a malformed or conflicting {@code Content-Length}, a bad chunk size or
 * bytes after the end of a response are errors, and the connection is not reused.
 *
 * <p>Not thread-safe: it belongs to one upstream connection and runs on its event loop. The
 * accessors describe the head just read and are valid only inside {@link Sink#onResponseHead}.
 */
final class ResponseFramer {
    /** Status line and header limits, as for requests (nginx and HAProxy allow about as much). */
    static final int MAX_HEAD = 24 * 1024;
    private static final int MAX_LINES = 256;
    private static final int MAX_CHUNK_LINE = 4 * 1024;
    private static final int MAX_TRAILERS = 16 * 1024;

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

    // states
    private static final int IDLE = 0;
    private static final int HEAD = 1;
    private static final int FIXED = 2;
    private static final int UNTIL_CLOSE = 3;
    private static final int CHUNK_SIZE = 4;
    private static final int CHUNK_EXT = 5;
    private static final int CHUNK_SIZE_LF = 6;
    private static final int CHUNK_DATA = 7;
    private static final int CHUNK_DATA_CR = 8;
    private static final int CHUNK_DATA_LF = 9;
    private static final int TRAILER_START = 10;
    private static final int TRAILER_LINE = 11;
    private static final int TRAILER_END_LF = 12;
    /** A head without a body was handed on; the message ends when the callback returns. */
    private static final int ENDS_AFTER_HEAD = 13;

    // line flags
    private static final byte KEEP = 0;
    private static final byte DROP = 1;

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private int state = IDLE;
    private boolean headRequest;
    private boolean dechunk;
    /** Bytes of an incomplete head, carried to the next read. */
    private ByteBuf partial;

    // the body being read
    private long remaining;
    private long chunkSize;
    private int chunkDigits;
    private int lineBytes;
    private int trailerBytes;

    // the head just read
    private ByteBuf headBuf;
    private int[] lineStart = new int[32];
    private int[] lineEnd = new int[32];
    private int[] nameEnd = new int[32];
    private byte[] flags = new byte[32];
    private int lines;
    private int headLength;
    private int status;
    private boolean keepAlive;
    private boolean chunked;
    private boolean transferEncoding;
    private long contentLength;

    /** Expects the response to a new request on this connection. */
    void start(boolean headRequest) {
        this.headRequest = headRequest;
        this.dechunk = false;
        this.state = HEAD;
        releasePartial();
    }

    /** Stops reading the current response: whatever else arrives for it is dropped. */
    void stop() {
        state = IDLE;
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
        if (partial != null) {
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
                    case UNTIL_CLOSE:
                        sink.onResponseBody(in.readRetainedSlice(in.readableBytes()));
                        break;
                    case IDLE:
                        // Nobody asked: an upstream talking out of turn, or the rest of a response
                        // already given up on. Either way the connection is not to be trusted.
                        in.skipBytes(in.readableBytes());
                        break;
                    default:
                        readChunked(in, sink);
                        break;
                }
            }
        } finally {
            in.release();
        }
    }

    // ---------------------------------------------------------------- head

    /** @return false when the head is incomplete and the bytes were kept for the next read */
    private boolean readHead(ByteBuf in, Sink sink) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int limit = Math.min(end, start + MAX_HEAD);
        int pos = start;
        lines = 0;
        int headEnd = -1;
        while (pos < limit) {
            int lf = in.indexOf(pos, limit, (byte) '\n');
            if (lf < 0) {
                break;
            }
            int lineEndIndex = lf > pos && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (lineEndIndex == pos) {
                if (lines == 0) {
                    // RFC 9112 section 2.2: empty lines before a message may be ignored.
                    pos = lf + 1;
                    start = pos;
                    continue;
                }
                headEnd = lf + 1;
                break;
            }
            if (lines == MAX_LINES) {
                return fail(in, sink, "response head has too many lines");
            }
            addLine(pos, lineEndIndex);
            pos = lf + 1;
        }
        if (headEnd < 0) {
            if (end - start >= MAX_HEAD) {
                return fail(in, sink, "response head larger than " + MAX_HEAD + " bytes");
            }
            int readable = end - start;
            partial = in.alloc().heapBuffer(Math.max(1024, readable * 2));
            partial.writeBytes(in, start, readable);
            in.skipBytes(in.readableBytes());
            return false;
        }
        headBuf = in;
        headLength = headEnd - start;
        String error = parseHead();
        if (error != null) {
            headBuf = null;
            return fail(in, sink, error);
        }
        in.readerIndex(headEnd);

        boolean interim = status < 200;
        int next;
        if (interim) {
            next = HEAD;
        } else if (headRequest || status == 204 || status == 304) {
            next = ENDS_AFTER_HEAD;
        } else if (chunked) {
            next = CHUNK_SIZE;
            chunkSize = 0;
            chunkDigits = 0;
        } else if (transferEncoding || contentLength < 0) {
            next = UNTIL_CLOSE;
        } else if (contentLength == 0) {
            next = ENDS_AFTER_HEAD;
        } else {
            next = FIXED;
            remaining = contentLength;
        }
        state = next;
        try {
            sink.onResponseHead(this);
        } finally {
            headBuf = null;
        }
        if (state == ENDS_AFTER_HEAD) {
            complete(in, sink);
        }
        return true;
    }

    private void addLine(int start, int end) {
        if (lines == lineStart.length) {
            int n = lines * 2;
            lineStart = Arrays.copyOf(lineStart, n);
            lineEnd = Arrays.copyOf(lineEnd, n);
            nameEnd = Arrays.copyOf(nameEnd, n);
            flags = Arrays.copyOf(flags, n);
        }
        lineStart[lines] = start;
        lineEnd[lines] = end;
        nameEnd[lines] = -1;
        flags[lines] = KEEP;
        lines++;
    }

    /** @return null, or why the head is unacceptable */
    private String parseHead() {
        ByteBuf b = headBuf;
        int s = lineStart[0];
        int len = lineEnd[0] - s;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (len < 12 || !startsWithVersion(b, s) || (len > 12 && b.getByte(s + 12) != ' ')) {
            return "invalid status line";
        }
        boolean http10 = b.getByte(s + 7) == '0';
        status = (b.getByte(s + 9) - '0') * 100 + (b.getByte(s + 10) - '0') * 10 + (b.getByte(s + 11) - '0');
        if (status < 100) {
            return "invalid status code";
        }
        if (b.indexOf(s, lineEnd[0], (byte) '\r') >= 0 || b.indexOf(s, lineEnd[0], (byte) 0) >= 0) {
            return "invalid character in the status line";
        }
        contentLength = -1;
        chunked = false;
        transferEncoding = false;
        boolean close = false;
        boolean keepAliveToken = false;
        int connectionLines = 0;
        for (int i = 1; i < lines; i++) {
            int ls = lineStart[i];
            int le = lineEnd[i];
            byte first = b.getByte(ls);
            if (first == ' ' || first == '\t') {
                return "folded header line";
            }
            int colon = -1;
            for (int p = ls; p < le; p++) {
                byte c = b.getByte(p);
                if (c == ':') {
                    colon = p;
                    break;
                }
                if (c < 0 || !TOKEN[c]) {
                    return "invalid header name";
                }
            }
            if (colon <= ls) {
                return "invalid header line";
            }
            if (b.indexOf(colon, le, (byte) '\r') >= 0 || b.indexOf(colon, le, (byte) 0) >= 0) {
                return "invalid character in a header value";
            }
            nameEnd[i] = colon;
            int nameLen = colon - ls;
            switch (nameLen) {
                case 2:
                    if (nameIs(i, "te")) {
                        flags[i] = DROP;
                    }
                    break;
                case 7:
                    if (nameIs(i, "trailer") || nameIs(i, "upgrade")) {
                        flags[i] = DROP;
                    }
                    break;
                case 10:
                    if (nameIs(i, "connection")) {
                        flags[i] = DROP;
                        connectionLines++;
                        int tokens = tokens(i);
                        close |= (tokens & TOKEN_CLOSE) != 0;
                        keepAliveToken |= (tokens & TOKEN_KEEP_ALIVE) != 0;
                    } else if (nameIs(i, "keep-alive")) {
                        flags[i] = DROP;
                    }
                    break;
                case 14:
                    if (nameIs(i, "content-length")) {
                        long value = parseLength(i);
                        if (value < 0 || (contentLength >= 0 && value != contentLength)) {
                            return "invalid Content-Length";
                        }
                        contentLength = value;
                    }
                    break;
                case 16:
                    if (nameIs(i, "proxy-connection")) {
                        flags[i] = DROP;
                    }
                    break;
                case 17:
                    if (nameIs(i, "transfer-encoding")) {
                        transferEncoding = true;
                        chunked = lastCodingIsChunked(i);
                    }
                    break;
                case 18:
                    if (nameIs(i, "proxy-authenticate")) {
                        flags[i] = DROP;
                    }
                    break;
                case 19:
                    if (nameIs(i, "proxy-authorization")) {
                        flags[i] = DROP;
                    }
                    break;
                default:
                    break;
            }
        }
        if (transferEncoding && contentLength >= 0) {
            // RFC 9112 section 6.3: Transfer-Encoding wins, and the Content-Length must not go on.
            for (int i = 1; i < lines; i++) {
                if (nameEnd[i] - lineStart[i] == 14 && nameIs(i, "content-length")) {
                    flags[i] = DROP;
                }
            }
            contentLength = -1;
        }
        if (connectionLines > 0) {
            dropConnectionOptions();
        }
        keepAlive = !close && (!http10 || keepAliveToken);
        return null;
    }

    private static boolean startsWithVersion(ByteBuf b, int s) {
        return b.getByte(s) == 'H' && b.getByte(s + 1) == 'T' && b.getByte(s + 2) == 'T' && b.getByte(s + 3) == 'P'
                && b.getByte(s + 4) == '/' && b.getByte(s + 5) == '1' && b.getByte(s + 6) == '.'
                && digit(b.getByte(s + 7)) && b.getByte(s + 8) == ' ' && digit(b.getByte(s + 9))
                && digit(b.getByte(s + 10)) && digit(b.getByte(s + 11));
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private boolean nameIs(int line, String lowerName) {
        int s = lineStart[line];
        for (int k = 0; k < lowerName.length(); k++) {
            if (lower(headBuf.getByte(s + k)) != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private int valueStart(int line) {
        int p = nameEnd[line] + 1;
        int e = lineEnd[line];
        while (p < e && isSpace(headBuf.getByte(p))) {
            p++;
        }
        return p;
    }

    private int valueEnd(int line) {
        int s = nameEnd[line] + 1;
        int e = lineEnd[line];
        while (e > s && isSpace(headBuf.getByte(e - 1))) {
            e--;
        }
        return e;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t';
    }

    private long parseLength(int line) {
        int s = valueStart(line);
        int e = valueEnd(line);
        if (s == e || e - s > 18) {
            return -1;
        }
        long v = 0;
        for (int p = s; p < e; p++) {
            byte c = headBuf.getByte(p);
            if (!digit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private boolean lastCodingIsChunked(int line) {
        int s = valueStart(line);
        int e = valueEnd(line);
        int comma = s - 1;
        for (int p = e - 1; p >= s; p--) {
            if (headBuf.getByte(p) == ',') {
                comma = p;
                break;
            }
        }
        int t = comma + 1;
        while (t < e && isSpace(headBuf.getByte(t))) {
            t++;
        }
        return equalsIgnoreCase(t, e, "chunked");
    }

    private boolean equalsIgnoreCase(int s, int e, String lower) {
        if (e - s != lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            if (lower(headBuf.getByte(s + k)) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static final int TOKEN_CLOSE = 1;
    private static final int TOKEN_KEEP_ALIVE = 2;

    /** The connection options named in a Connection line, as flags for the two that matter here. */
    private int tokens(int line) {
        int result = 0;
        int s = valueStart(line);
        int e = valueEnd(line);
        int t = s;
        while (t <= e) {
            int comma = headBuf.indexOf(t, e, (byte) ',');
            int te = comma < 0 ? e : comma;
            int a = t;
            int z = te;
            while (a < z && isSpace(headBuf.getByte(a))) {
                a++;
            }
            while (z > a && isSpace(headBuf.getByte(z - 1))) {
                z--;
            }
            if (equalsIgnoreCase(a, z, "close")) {
                result |= TOKEN_CLOSE;
            } else if (equalsIgnoreCase(a, z, "keep-alive")) {
                result |= TOKEN_KEEP_ALIVE;
            }
            t = te + 1;
        }
        return result;
    }

    /**
     * Drops every header a Connection line names (RFC 9110 section 7.6.1), except the framing
     * headers: removing those would change where the message ends, which is a smuggling vector,
     * not a connection option.
     */
    private void dropConnectionOptions() {
        for (int c = 1; c < lines; c++) {
            if (nameEnd[c] - lineStart[c] != 10 || !nameIs(c, "connection")) {
                continue;
            }
            int e = valueEnd(c);
            int t = valueStart(c);
            while (t <= e) {
                int comma = headBuf.indexOf(t, e, (byte) ',');
                int te = comma < 0 ? e : comma;
                int a = t;
                int z = te;
                while (a < z && isSpace(headBuf.getByte(a))) {
                    a++;
                }
                while (z > a && isSpace(headBuf.getByte(z - 1))) {
                    z--;
                }
                if (z > a && !equalsIgnoreCase(a, z, "transfer-encoding") && !equalsIgnoreCase(a, z, "content-length")
                        && !equalsIgnoreCase(a, z, "host")) {
                    for (int i = 1; i < lines; i++) {
                        if (flags[i] == KEEP && nameEnd[i] - lineStart[i] == z - a && nameMatches(i, a)) {
                            flags[i] = DROP;
                        }
                    }
                }
                t = te + 1;
            }
        }
    }

    private boolean nameMatches(int line, int tokenStart) {
        int s = lineStart[line];
        int n = nameEnd[line] - s;
        for (int k = 0; k < n; k++) {
            if (lower(headBuf.getByte(s + k)) != lower(headBuf.getByte(tokenStart + k))) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
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
        ByteBuf b = headBuf;
        ByteBuf out = alloc.directBuffer(headLength + 64);
        int s = lineStart[0];
        out.writeBytes(HTTP_1_1);
        out.writeBytes(b, s + 8, lineEnd[0] - s - 8);
        out.writeBytes(CRLF);
        for (int i = 1; i < lines; i++) {
            if (flags[i] == DROP) {
                continue;
            }
            if (dropTransferEncoding && nameEnd[i] - lineStart[i] == 17 && nameIs(i, "transfer-encoding")) {
                continue;
            }
            out.writeBytes(b, lineStart[i], lineEnd[i] - lineStart[i]);
            out.writeBytes(CRLF);
        }
        if (connection != null) {
            out.writeCharSequence("connection: ", StandardCharsets.US_ASCII);
            out.writeCharSequence(connection, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        }
        if (via != null) {
            out.writeCharSequence("via: ", StandardCharsets.US_ASCII);
            out.writeCharSequence(via, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        }
        out.writeBytes(CRLF);
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
     * Walks the chunk framing. Passed on as read (one slice per buffer) unless de-chunking, in
     * which case only the data goes on.
     */
    private void readChunked(ByteBuf in, Sink sink) {
        int forwardFrom = in.readerIndex();
        int p = forwardFrom;
        int end = in.writerIndex();
        String error = null;
        boolean done = false;
        loop:
        while (p < end) {
            switch (state) {
                case CHUNK_SIZE: {
                    byte c = in.getByte(p);
                    int d = hex(c);
                    if (d >= 0) {
                        if (chunkDigits == 15) {
                            error = "chunk size too large";
                            break loop;
                        }
                        chunkSize = chunkSize * 16 + d;
                        chunkDigits++;
                        p++;
                    } else if (chunkDigits == 0) {
                        error = "invalid chunk size";
                        break loop;
                    } else if (c == ';' || c == ' ' || c == '\t') {
                        state = CHUNK_EXT;
                        lineBytes = 0;
                        p++;
                    } else if (c == '\r') {
                        state = CHUNK_SIZE_LF;
                        p++;
                    } else if (c == '\n') {
                        p++;
                        endOfSizeLine();
                    } else {
                        error = "invalid chunk size";
                        break loop;
                    }
                    break;
                }
                case CHUNK_EXT: {
                    int lf = in.indexOf(p, end, (byte) '\n');
                    int upTo = lf < 0 ? end : lf;
                    if (in.indexOf(p, upTo, (byte) 0) >= 0) {
                        error = "invalid chunk extension";
                        break loop;
                    }
                    lineBytes += upTo - p;
                    if (lineBytes > MAX_CHUNK_LINE) {
                        error = "chunk extension too long";
                        break loop;
                    }
                    if (lf < 0) {
                        p = end;
                    } else {
                        p = lf + 1;
                        endOfSizeLine();
                    }
                    break;
                }
                case CHUNK_SIZE_LF:
                    if (in.getByte(p) != '\n') {
                        error = "invalid chunk size line";
                        break loop;
                    }
                    p++;
                    endOfSizeLine();
                    break;
                case CHUNK_DATA: {
                    int n = (int) Math.min(remaining, end - p);
                    if (dechunk) {
                        sink.onResponseBody(in.retainedSlice(p, n));
                    }
                    p += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = CHUNK_DATA_CR;
                    }
                    break;
                }
                case CHUNK_DATA_CR: {
                    byte c = in.getByte(p);
                    if (c == '\r') {
                        state = CHUNK_DATA_LF;
                    } else if (c == '\n') {
                        startChunk();
                    } else {
                        error = "chunk data longer than its size";
                        break loop;
                    }
                    p++;
                    break;
                }
                case CHUNK_DATA_LF:
                    if (in.getByte(p) != '\n') {
                        error = "chunk data longer than its size";
                        break loop;
                    }
                    p++;
                    startChunk();
                    break;
                case TRAILER_START: {
                    byte c = in.getByte(p);
                    p++;
                    if (c == '\r') {
                        state = TRAILER_END_LF;
                    } else if (c == '\n') {
                        done = true;
                        break loop;
                    } else {
                        state = TRAILER_LINE;
                        trailerBytes++;
                    }
                    break;
                }
                case TRAILER_LINE: {
                    int lf = in.indexOf(p, end, (byte) '\n');
                    int upTo = lf < 0 ? end : lf;
                    if (in.indexOf(p, upTo, (byte) 0) >= 0) {
                        error = "invalid trailer";
                        break loop;
                    }
                    trailerBytes += upTo - p;
                    if (trailerBytes > MAX_TRAILERS) {
                        error = "trailers too large";
                        break loop;
                    }
                    if (lf < 0) {
                        p = end;
                    } else {
                        p = lf + 1;
                        state = TRAILER_START;
                    }
                    break;
                }
                case TRAILER_END_LF:
                    if (in.getByte(p) != '\n') {
                        error = "invalid end of chunked body";
                        break loop;
                    }
                    p++;
                    done = true;
                    break loop;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
        if (error != null) {
            fail(in, sink, error);
            return;
        }
        if (!dechunk && p > forwardFrom) {
            sink.onResponseBody(in.retainedSlice(forwardFrom, p - forwardFrom));
        }
        in.readerIndex(p);
        if (done) {
            complete(in, sink);
        }
    }

    private void endOfSizeLine() {
        if (chunkSize == 0) {
            state = TRAILER_START;
            trailerBytes = 0;
        } else {
            state = CHUNK_DATA;
            remaining = chunkSize;
        }
    }

    private void startChunk() {
        state = CHUNK_SIZE;
        chunkSize = 0;
        chunkDigits = 0;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    // ---------------------------------------------------------------- endings

    /** The response is complete; bytes after it mean the upstream is out of step and is not reused. */
    private void complete(ByteBuf in, Sink sink) {
        state = IDLE;
        boolean clean = !in.isReadable();
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
