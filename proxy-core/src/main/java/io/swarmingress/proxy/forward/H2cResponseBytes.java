package io.swarmingress.proxy.forward;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * An h2c stream's response frames as the HTTP/1.1 bytes the upstream connection's
 * {@link io.swarmingress.proxy.wire.ResponseFramer} reads: a head, then the body chunked (so that
 * trailers, gRPC's status among them, have a place: the last chunk's trailer section) unless the
 * endpoint said how long it is.
 *
 * <p>Why through the HTTP/1.1 reader rather than beside it: what an endpoint answers is checked by
 * one set of rules whatever it speaks (control bytes, framing fields, trailers that may not be
 * trailers), and every front already takes responses from it, an HTTP/2 front de-chunking them
 * and writing the trailers as a HEADERS frame of their own. The cost is a copy of each head.
 */
final class H2cResponseBytes {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_LENGTH = "content-length: 0\r\n".getBytes(StandardCharsets.US_ASCII);

    private final boolean headRequest;
    private boolean finalSeen;
    private boolean chunked;
    /** The response has no body by definition (to HEAD, a 204 or 304) or has ended: later frames are dropped. */
    private boolean over;

    H2cResponseBytes(boolean headRequest) {
        this.headRequest = headRequest;
    }

    /** Whether a final (non-1xx) head was read: the response started. */
    boolean started() {
        return finalSeen;
    }

    /** @return the bytes for a HEADERS frame, or null when it adds none */
    ByteBuf headers(ByteBufAllocator alloc, Http2Headers h, boolean endStream) {
        if (over) {
            return null;
        }
        if (finalSeen) {
            return trailers(alloc, h);
        }
        int status = h.status() == null ? 0 : parseStatus(h.status());
        ByteBuf out = alloc.buffer(256);
        out.writeCharSequence("HTTP/1.1 " + status + " " + HttpResponseStatus.valueOf(status).reasonPhrase() + "\r\n",
                StandardCharsets.ISO_8859_1);
        fields(out, h);
        if (status >= 100 && status < 200) {
            out.writeBytes(CRLF);
            return out;
        }
        finalSeen = true;
        boolean noBody = headRequest || status == 204 || status == 304;
        boolean length = h.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (noBody) {
            over = true;
        } else if (endStream) {
            over = true;
            if (!length) {
                out.writeBytes(NO_LENGTH);
            }
        } else if (!length) {
            chunked = true;
            out.writeBytes(CHUNKED);
        }
        out.writeBytes(CRLF);
        return out;
    }

    /** @return the bytes for a DATA frame's content (owned by the caller before, by the result after), or null */
    ByteBuf data(ByteBufAllocator alloc, ByteBuf content, boolean endStream) {
        if (over || !finalSeen) {
            content.release();
            return null;
        }
        if (!chunked) {
            over = endStream;
            return content;
        }
        CompositeByteBuf out = alloc.compositeBuffer(4);
        if (content.isReadable()) {
            ByteBuf size = alloc.buffer(10);
            size.writeCharSequence(Integer.toHexString(content.readableBytes()), StandardCharsets.US_ASCII);
            size.writeBytes(CRLF);
            out.addComponent(true, size);
            out.addComponent(true, content);
            out.addComponent(true, alloc.buffer(2).writeBytes(CRLF));
        } else {
            content.release();
        }
        if (endStream) {
            over = true;
            out.addComponent(true, alloc.buffer(5).writeBytes(LAST_CHUNK).writeBytes(CRLF));
        }
        if (!out.isReadable()) {
            out.release();
            return null;
        }
        return out;
    }

    /** Trailers end a chunked body; a body of a known length has no place for them (dropped, as HTTP/1.1 would). */
    private ByteBuf trailers(ByteBufAllocator alloc, Http2Headers h) {
        over = true;
        if (!chunked) {
            return null;
        }
        ByteBuf out = alloc.buffer(128);
        out.writeBytes(LAST_CHUNK);
        fields(out, h);
        out.writeBytes(CRLF);
        return out;
    }

    private static void fields(ByteBuf out, Http2Headers h) {
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.length() == 0 || name.charAt(0) == ':') {
                continue;
            }
            write(out, name);
            out.writeByte(':').writeByte(' ');
            write(out, e.getValue());
            out.writeBytes(CRLF);
        }
    }

    private static void write(ByteBuf out, CharSequence s) {
        if (s instanceof AsciiString) {
            ByteBufUtil.copy((AsciiString) s, out);
        } else {
            out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        }
    }

    private static int parseStatus(CharSequence s) {
        try {
            return Integer.parseInt(s.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
