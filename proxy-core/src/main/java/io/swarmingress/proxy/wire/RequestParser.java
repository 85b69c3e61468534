package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Reads the requests of one client connection as bytes: finds and checks each head in place,
 * tells the proxy what it needs to route and forward it, and frames the body so it can be passed
 * on as slices of the buffers read ({@link RequestHeadWriter} writes the head the upstream gets).
 *
 * <p>Why not Netty's decoder and encoder: together they built a header map for every request and
 * wrote it out again, the biggest cost left on the request path. The checks are the ones that
 * keep a front door safe (RFC 9112): one request line of three parts, a target in one canonical
 * form ({@link RequestTarget}), one valid Host ({@link Authority}), token header names with no
 * space before the colon, no folding, no control bytes, framing fields by {@link FieldRules}.
 * Anything else is a 4xx (or a 501 for a transfer coding the proxy does not implement) that closes
 * the connection, before any byte reaches a backend.
 *
 * <p>Not thread-safe: one per client connection, on its event loop. The accessors describe the
 * head just read and are valid only inside {@link Sink#onRequestHead}.
 */
public final class RequestParser {
    static final int MAX_REQUEST_LINE = 8 * 1024;
    static final int MAX_HEADERS = 16 * 1024;
    private static final int MAX_LINES = 256;

    /** Where the framed requests go: a head, then (when it has one) its body in pieces and its end. */
    public interface Sink {
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
    private static final int BODY = 1;
    private static final int FAILED = 2;

    final HeadLines head = new HeadLines();
    private final MessageFields fields = new MessageFields();
    private final RequestFields requestFields = new RequestFields();
    private final BodyFraming body = new BodyFraming();
    private final RequestTarget target = new RequestTarget();
    private int state = HEAD;
    private Sink bodySink;
    private final BodyFraming.Sink toSink = slice -> bodySink.onRequestBody(slice);

    // the head just read
    final RequestLine line = new RequestLine();
    private boolean http10;
    private boolean keepAlive;
    private boolean hasBody;
    /** The head asks to switch to WebSocket: its Connection and Upgrade lines go upstream in canonical form. */
    boolean webSocket;
    boolean chunked;
    long contentLength;
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
    public boolean feed(ByteBuf in, Sink sink) {
        switch (state) {
            case HEAD:
                return readHead(in, sink);
            case BODY: {
                bodySink = sink;
                int result = body.read(in, toSink, null);
                bodySink = null;
                if (result == BodyFraming.ERROR) {
                    return fail(sink, HttpResponseStatus.BAD_REQUEST, "malformed request body: " + body.error());
                }
                if (result == BodyFraming.DONE) {
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
            // A CR at the end of the bytes so far belongs to the line's end, not the line.
            int lineSoFar = readable > 0 && in.getByte(in.writerIndex() - 1) == '\r' ? readable - 1 : readable;
            if (head.count == 0 && lineSoFar > MAX_REQUEST_LINE) {
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
        HttpResponseStatus refused = line.parse(head);
        if (refused != null) {
            return fail(sink, refused, "malformed request line");
        }
        http10 = line.http10;
        if (!target.parse(head.bytes, line.targetStart, line.targetEnd)) {
            return fail(sink, HttpResponseStatus.BAD_REQUEST, target.error());
        }
        refusal = HttpResponseStatus.BAD_REQUEST;
        String error = parseFields();
        if (error != null) {
            return fail(sink, refusal, error);
        }
        in.readerIndex(head.headEnd);
        sink.onRequestHead(this);
        return true;
    }

    /** @return null, or why the request is refused with {@link #refusal} */
    private String parseFields() {
        HeadLines h = head;
        requestFields.reset(http10);
        String error = fields.read(h, requestFields);
        if (error != null) {
            return error;
        }
        if (requestFields.hostCount > 1) {
            return "more than one Host header";
        }
        int hostLine = requestFields.hostLine;
        if (hostLine >= 0) {
            String invalid = Authority.check(h.bytes, h.valueStart(hostLine), h.valueEnd(hostLine));
            if (invalid != null) {
                return "invalid Host header: " + invalid;
            }
        }
        contentLength = fields.contentLength;
        chunked = false;
        if (fields.transferEncodings > 0) {
            error = transferEncoding();
            if (error != null) {
                return error;
            }
            chunked = true;
        }
        keepAlive = fields.keepsConnection(h, http10);
        webSocket = !http10 && !chunked && contentLength <= 0 && methodIs("GET") && fields.webSocketUpgrade(h);
        if (chunked) {
            state = BODY;
            body.chunked();
            hasBody = true;
        } else if (contentLength > 0) {
            state = BODY;
            body.fixed(contentLength);
            hasBody = true;
        } else {
            state = HEAD;
            hasBody = false;
        }
        return null;
    }

    /** RFC 9112 sections 6.1 and 6.3: the classic smuggling shapes are refused outright. */
    private String transferEncoding() {
        if (fields.transferEncodings > 1) {
            return "more than one Transfer-Encoding header";
        }
        if (http10) {
            return "Transfer-Encoding in an HTTP/1.0 request";
        }
        switch (fields.coding) {
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
        if (fields.contentLength >= 0) {
            return "both Transfer-Encoding and Content-Length";
        }
        for (int i = 1; i < head.count; i++) {
            // Written again as one canonical line.
            if (head.nameIs(i, "transfer-encoding")) {
                head.flags[i] = HeadLines.DROP;
            }
        }
        return null;
    }

    private boolean fail(Sink sink, HttpResponseStatus status, String reason) {
        state = FAILED;
        sink.onRequestError(status, reason);
        return false;
    }

    /**
     * Forgets the request in progress: the next {@link #feed} reads a new head. For a parser that
     * is given heads only (an HTTP/2 stream's, whose body comes in frames), taken up again by the
     * next stream.
     */
    public void reset() {
        state = HEAD;
        head.reset();
    }

    /**
     * Whether this parser holds no more than a usual head needs: one grown for a large head (its
     * buffers stay grown until a small head comes) is not worth keeping as a spare.
     */
    public boolean holdsLittle() {
        return head.bytes.length <= HeadLines.SMALL_HEAD && head.start.length <= HeadLines.SMALL_LINES;
    }

    // ---------------------------------------------------------------- the head just read

    /** Whether the rest of the current body is known to be at most {@code bytes} (false for chunked). */
    public boolean bodyFitsIn(long bytes) {
        return state == BODY && body.fitsIn(bytes);
    }

    /**
     * Names a field the proxy sets itself on this connection's requests (the verified subject of a
     * client certificate): a client's own line of that name, or its {@code _} spelling, is dropped
     * so that no client can claim what the proxy vouches for.
     */
    public void ownField(String lowerCaseName) {
        requestFields.ownField(lowerCaseName);
    }

    public boolean http10() {
        return http10;
    }

    /** Whether the client wants the connection kept after this exchange. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * Whether the request asks to switch to WebSocket (an HTTP/1.1 GET without a body, with
     * {@code Connection: upgrade} and {@code Upgrade: websocket}): then it goes upstream with
     * those two lines, and a 101 makes the connection a tunnel.
     */
    public boolean webSocketUpgrade() {
        return webSocket;
    }

    public boolean expectContinue() {
        return requestFields.expectContinue;
    }

    /** Whether a body follows (Content-Length above zero, or chunked). */
    public boolean hasBody() {
        return hasBody;
    }

    public boolean methodIs(String method) {
        return head.equalsAscii(head.start[0], line.methodEnd, method);
    }

    /** The Host value as sent (checked), or null. */
    public String host() {
        int hostLine = requestFields.hostLine;
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
    public RequestTarget target() {
        return target;
    }

    /** Leaves the client's Host out of the upstream head (the proxy writes its own). */
    public void dropHost() {
        for (int i = 1; i < head.count; i++) {
            if (head.nameIs(i, "host")) {
                head.flags[i] = HeadLines.DROP;
            }
        }
    }

    /** How many lines of the head name {@code lowerName}. */
    public int headerCount(CharSequence lowerName) {
        return head.count(lowerName);
    }

    /** The value of the first field named {@code lowerName}, or null. */
    public String header(CharSequence lowerName) {
        return head.get(lowerName);
    }
}
