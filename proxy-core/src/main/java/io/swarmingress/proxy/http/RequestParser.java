package io.swarmingress.proxy.http;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.swarmingress.proxy.routing.RequestHeaders;

/**
 * Reads the requests of one client connection as bytes: finds and checks each head in place,
 * tells the proxy what it needs to route and forward it, writes the head the upstream gets (the
 * client's lines minus the hop-by-hop ones, plus the proxy's own), and frames the body so it can
 * be passed on as slices of the buffers read.
 *
 * <p>Why not Netty's decoder and encoder: together they built a header map for every request and
 * wrote it out again, the biggest cost left on the request path. The checks are the ones that
 * keep a front door safe (RFC 9112): one request line of three parts, token header names with no
 * space before the colon, no folding, no control bytes, one Host, a plain decimal
 * {@code Content-Length} that never disagrees with itself, {@code Transfer-Encoding} only as
 * chunked last, and never together with {@code Content-Length}. Anything else is a 400 that
 * closes the connection, before any byte reaches a backend.
 *
 * <p>Not thread-safe: one per client connection, on its event loop. The accessors describe the
 * head just read and are valid only inside {@link Sink#onRequestHead}.
 */
final class RequestParser implements RequestHeaders {
    static final int MAX_REQUEST_LINE = 8 * 1024;
    static final int MAX_HEADERS = 16 * 1024;
    private static final int MAX_LINES = 256;

    /** Where the framed requests go: a head, then (when it has one) its body in pieces and its end. */
    interface Sink {
        /** A head was read. Read the parser's accessors now. */
        void onRequestHead(RequestParser head);

        /** Body bytes to send on, owned by the callee (chunk framing included). */
        void onRequestBody(ByteBuf bytes);

        /** The body of the current request ended. Not called for a request without one. */
        void onRequestEnd();

        /** The request is malformed; the parser reads no more. */
        void onRequestError(HttpResponseStatus status, String reason);
    }

    private static final int HEAD = 0;
    private static final int FIXED = 1;
    private static final int CHUNKED = 2;
    private static final int FAILED = 3;

    private static final byte[] CHUNKED_LINE = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_1_LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HeadLines head = new HeadLines();
    private final ChunkedBody chunks = new ChunkedBody();
    private final RequestTarget target = new RequestTarget();
    private int state = HEAD;
    private long remaining;

    // the head just read
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private boolean http10;
    private boolean keepAlive;
    private boolean expectContinue;
    private boolean hasBody;
    private boolean chunked;
    private long contentLength;
    private int hostLine;
    private int hostCount;
    /** The status a refused head gets: 400, or 501 for a transfer coding the proxy does not implement. */
    private HttpResponseStatus refusal;
    // a keep-alive client sends the same Host each time
    private String lastHost;

    /**
     * Reads from {@code in}'s reader index: a head, or body bytes of the current request. Stops
     * after each head, at the end of a body and when it needs more bytes; {@code in} stays the
     * caller's.
     *
     * @return false when nothing more can be read until more bytes arrive (or after an error)
     */
    boolean feed(ByteBuf in, Sink sink) {
        switch (state) {
            case HEAD:
                return readHead(in, sink);
            case FIXED: {
                int n = (int) Math.min(remaining, in.readableBytes());
                if (n > 0) {
                    sink.onRequestBody(in.readRetainedSlice(n));
                    remaining -= n;
                }
                if (remaining == 0) {
                    state = HEAD;
                    sink.onRequestEnd();
                    return true;
                }
                return false;
            }
            case CHUNKED: {
                int from = in.readerIndex();
                int result = chunks.walk(in, from, null);
                if (result == ChunkedBody.ERROR) {
                    return fail(sink, HttpResponseStatus.BAD_REQUEST, "malformed request body: " + chunks.error());
                }
                int to = chunks.position();
                if (to > from) {
                    sink.onRequestBody(in.retainedSlice(from, to - from));
                }
                in.readerIndex(to);
                if (result == ChunkedBody.DONE) {
                    state = HEAD;
                    sink.onRequestEnd();
                    return true;
                }
                return false;
            }
            default:
                in.skipBytes(in.readableBytes());
                return false;
        }
    }

    private boolean readHead(ByteBuf in, Sink sink) {
        int found = head.scan(in, MAX_REQUEST_LINE + MAX_HEADERS, MAX_LINES);
        if (found < 0) {
            return fail(sink, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many request header lines");
        }
        if (found == 0) {
            int readable = in.readableBytes();
            if (head.count == 0 && readable > MAX_REQUEST_LINE) {
                return fail(sink, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
            }
            if (readable > MAX_REQUEST_LINE + MAX_HEADERS
                    || (head.count > 0 && readable - (head.end[0] - head.start[0]) > MAX_HEADERS)) {
                return fail(sink, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
            }
            return false;
        }
        if (head.end[0] - head.start[0] > MAX_REQUEST_LINE) {
            return fail(sink, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
        }
        if (head.length - head.end[0] > MAX_HEADERS) {
            return fail(sink, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
        }
        HttpResponseStatus refused = parseRequestLine();
        if (refused != null) {
            return fail(sink, refused, "malformed request line");
        }
        if (!target.parse(head.bytes, targetStart, targetEnd)) {
            return fail(sink, HttpResponseStatus.BAD_REQUEST, target.error());
        }
        refusal = HttpResponseStatus.BAD_REQUEST;
        String error = parseHeaders();
        if (error != null) {
            return fail(sink, refusal, error);
        }
        in.readerIndex(head.headEnd);
        sink.onRequestHead(this);
        return true;
    }

    private HttpResponseStatus parseRequestLine() {
        byte[] b = head.bytes;
        int s = head.start[0];
        int e = head.end[0];
        int p = s;
        while (p < e && HeadLines.isToken(b[p])) {
            p++;
        }
        if (p == s || p >= e || b[p] != ' ') {
            return HttpResponseStatus.BAD_REQUEST;
        }
        methodEnd = p;
        targetStart = ++p;
        while (p < e) {
            byte c = b[p];
            if (c == ' ') {
                break;
            }
            if (c <= ' ' || c == 0x7f) {
                // Controls and bytes from 0x80 must be percent-encoded in a request target.
                return HttpResponseStatus.BAD_REQUEST;
            }
            p++;
        }
        targetEnd = p;
        if (targetEnd == targetStart || e - p != 9 || b[p] != ' ' || b[p + 1] != 'H'
                || b[p + 2] != 'T' || b[p + 3] != 'T' || b[p + 4] != 'P'
                || b[p + 5] != '/' || !HeadLines.isDigit(b[p + 6]) || b[p + 7] != '.'
                || !HeadLines.isDigit(b[p + 8])) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (b[p + 6] != '1' || (b[p + 8] != '0' && b[p + 8] != '1')) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        http10 = b[p + 8] == '0';
        return null;
    }

    /** @return null, or why the request is refused with {@link #refusal} */
    private String parseHeaders() {
        HeadLines h = head;
        contentLength = -1;
        int transferEncodings = 0;
        FieldRules.Coding coding = null;
        hostCount = 0;
        hostLine = -1;
        expectContinue = false;
        for (int i = 1; i < h.count; i++) {
            String error = h.checkHeader(i);
            if (error != null) {
                return error;
            }
            if (h.dropHopByHop(i)) {
                continue;
            }
            switch (h.nameLength(i)) {
                case 4:
                    if (h.nameIs(i, "host")) {
                        hostCount++;
                        hostLine = i;
                    }
                    break;
                case 6:
                    if (h.nameIs(i, "expect") && !http10) {
                        int vs = h.valueStart(i);
                        expectContinue |= h.equalsIgnoreCase(vs, h.valueEnd(i), "100-continue");
                    }
                    break;
                case 9:
                    // RFC 7239's Forwarded would let a client claim another address, like X-Forwarded-For.
                    h.dropIf(i, "forwarded");
                    break;
                case 14:
                    if (h.nameIs(i, "content-length")) {
                        long value = h.contentLength(i);
                        if (value < 0 || (contentLength >= 0 && value != contentLength)) {
                            return "invalid Content-Length";
                        }
                        contentLength = value;
                        // Written again as one canonical line: "5, 5" or " 005" reach no backend as sent.
                        h.flags[i] = HeadLines.DROP;
                    }
                    break;
                case 15:
                    if (h.nameIs(i, "x-forwarded-for")) {
                        h.flags[i] = HeadLines.FORWARDED_FOR;
                    }
                    break;
                case 16:
                    h.dropIf(i, "x-forwarded-host");
                    h.dropIf(i, "x-forwarded-port");
                    break;
                case 17:
                    if (h.nameIs(i, "transfer-encoding")) {
                        transferEncodings++;
                        coding = h.transferCoding(i);
                        h.flags[i] = HeadLines.DROP;
                    } else {
                        // Set by the proxy, never taken from the client: it could claim another scheme.
                        h.dropIf(i, "x-forwarded-proto");
                    }
                    break;
                default:
                    break;
            }
        }
        if (hostCount > 1) {
            return "more than one Host header";
        }
        if (hostLine >= 0) {
            String invalid = Authority.check(h.bytes, h.valueStart(hostLine), h.valueEnd(hostLine));
            if (invalid != null) {
                return "invalid Host header: " + invalid;
            }
        }
        chunked = false;
        if (transferEncodings > 0) {
            // RFC 9112 sections 6.1 and 6.3: the classic smuggling shapes are refused outright.
            if (transferEncodings > 1) {
                return "more than one Transfer-Encoding header";
            }
            if (http10) {
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            switch (coding) {
                case MALFORMED:
                    return "malformed Transfer-Encoding";
                case NOT_CHUNKED:
                    return "Transfer-Encoding without chunked as the last coding";
                case CHUNKED_AFTER_OTHERS:
                    refusal = HttpResponseStatus.NOT_IMPLEMENTED;
                    return "transfer codings other than chunked are not supported";
                default:
                    break;
            }
            if (contentLength >= 0) {
                return "both Transfer-Encoding and Content-Length";
            }
            chunked = true;
        }
        keepAlive = h.keepsConnection(http10);
        if (chunked) {
            state = CHUNKED;
            chunks.reset();
            hasBody = true;
        } else if (contentLength > 0) {
            state = FIXED;
            remaining = contentLength;
            hasBody = true;
        } else {
            state = HEAD;
            hasBody = false;
        }
        return null;
    }

    private boolean fail(Sink sink, HttpResponseStatus status, String reason) {
        state = FAILED;
        sink.onRequestError(status, reason);
        return false;
    }

    // ---------------------------------------------------------------- the head just read

    /** Whether the rest of the current body is known to be at most {@code bytes} (false for chunked). */
    boolean bodyFitsIn(long bytes) {
        return state == FIXED && remaining <= bytes;
    }

    boolean http10() {
        return http10;
    }

    /** Whether the client wants the connection kept after this exchange. */
    boolean keepAlive() {
        return keepAlive;
    }

    boolean expectContinue() {
        return expectContinue;
    }

    /** Whether a body follows (Content-Length above zero, or chunked). */
    boolean hasBody() {
        return hasBody;
    }

    boolean methodIs(String method) {
        return head.equalsAscii(head.start[0], methodEnd, method);
    }

    /** How many Host lines the request has. */
    int hostCount() {
        return hostCount;
    }

    /** The Host value as sent, or null. */
    String host() {
        if (hostLine < 0) {
            return null;
        }
        int s = head.valueStart(hostLine);
        int e = head.valueEnd(hostLine);
        if (!head.equalsAscii(s, e, lastHost)) {
            lastHost = new String(head.bytes, s, e - s, StandardCharsets.ISO_8859_1);
        }
        return lastHost;
    }

    /** The request target, checked, with its path in canonical form. */
    RequestTarget target() {
        return target;
    }

    /** Leaves the client's Host out of the upstream head (the proxy writes its own). */
    void dropHost() {
        for (int i = 1; i < head.count; i++) {
            if (head.nameIs(i, "host")) {
                head.flags[i] = HeadLines.DROP;
            }
        }
    }

    @Override
    public String get(AsciiString name) {
        return head.get(name);
    }

    /**
     * The head for the upstream: the client's method, the given target and HTTP/1.1; the client's
     * lines without the hop-by-hop ones and without X-Forwarded-*; then the proxy's own: Host when
     * the client's is replaced or missing, X-Forwarded-For with the client appended, the
     * per-connection X-Forwarded-Proto/-Port lines, X-Forwarded-Host and Via.
     *
     * @param target the origin-form target to send
     * @param host a Host value to add, or null to keep the client's line
     * @param forwardedFor the client's address
     * @param forwarded the connection's fixed X-Forwarded-* lines, CRLF-terminated
     * @param forwardedHost the X-Forwarded-Host value, or null for none
     * @param via a Via value to add, or null
     */
    ByteBuf encodeHead(ByteBufAllocator alloc, String target, String host, String forwardedFor, byte[] forwarded,
            String forwardedHost, String via) {
        HeadLines h = head;
        ByteBuf out = alloc.directBuffer(h.length + target.length() + 160);
        out.writeBytes(h.bytes, h.start[0], methodEnd - h.start[0] + 1);
        out.writeCharSequence(target, StandardCharsets.US_ASCII);
        out.writeBytes(HTTP_1_1_LINE_END);
        boolean previousForwardedFor = false;
        for (int i = 1; i < h.count; i++) {
            byte f = h.flags[i];
            if (f == HeadLines.KEEP) {
                h.copyLine(i, out);
            } else if (f == HeadLines.FORWARDED_FOR) {
                previousForwardedFor = true;
            }
        }
        if (host != null) {
            HeadLines.writeField(out, "host", host);
        }
        if (chunked) {
            out.writeBytes(CHUNKED_LINE);
        } else if (contentLength >= 0) {
            out.writeBytes(CONTENT_LENGTH);
            HeadLines.writeDecimal(out, contentLength);
            out.writeShort(HeadLines.CRLF);
        }
        out.writeCharSequence("x-forwarded-for: ", StandardCharsets.US_ASCII);
        if (previousForwardedFor) {
            for (int i = 1; i < h.count; i++) {
                if (h.flags[i] == HeadLines.FORWARDED_FOR) {
                    int s = h.valueStart(i);
                    int e = h.valueEnd(i);
                    if (e > s) {
                        out.writeBytes(h.bytes, s, e - s);
                        out.writeByte(',').writeByte(' ');
                    }
                }
            }
        }
        out.writeCharSequence(forwardedFor, StandardCharsets.US_ASCII);
        out.writeShort(HeadLines.CRLF);
        out.writeBytes(forwarded);
        if (forwardedHost != null) {
            HeadLines.writeField(out, "x-forwarded-host", forwardedHost);
        }
        if (via != null) {
            HeadLines.writeField(out, "via", via);
        }
        out.writeShort(HeadLines.CRLF);
        return out;
    }
}
