package io.swarmingress.proxy.h2;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.swarmingress.proxy.http1.ParsedRequest;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * Response header blocks for HTTP/2 clients: an upstream's HTTP/1.1 head as fields, and the
 * proxy's own answers. The upstream's fields were checked when its head was read (tokens, no
 * control bytes) and lose their hop-by-hop and framing lines there, so they are not validated
 * again; names are lower-cased as HTTP/2 requires.
 */
final class ResponseHeads {
    private static final AsciiString VIA = AsciiString.cached(ParsedRequest.VIA_VALUE);
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("strict-transport-security");

    private ResponseHeads() {
    }

    /**
     * An upstream's response head (interim or final).
     *
     * @param hsts a Strict-Transport-Security value that replaces the upstream's, or null to pass the upstream's on
     * @param setCookie a Set-Cookie value of the proxy's own (a sticky session) after the upstream's, or null
     */
    static Http2Headers of(ResponseFramer response, boolean via, String hsts, String setCookie) {
        Http2Headers h = new DefaultHttp2Headers(false);
        int status = response.status();
        h.status(HttpResponseStatus.valueOf(status).codeAsText());
        response.forEachField(h::add);
        long length = response.contentLength();
        if (length >= 0 && status >= 200 && status != 204) {
            // RFC 9110 section 8.6: none in 1xx and 204; a 304 or a HEAD answer tells the GET's length.
            h.setLong(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        if (via) {
            h.add(HttpHeaderNames.VIA, VIA);
        }
        if (hsts != null) {
            h.set(STRICT_TRANSPORT_SECURITY, hsts);
        }
        if (setCookie != null) {
            h.add(HttpHeaderNames.SET_COOKIE, setCookie);
        }
        return h;
    }

    /** The head of an answer of the proxy's own, with the length of {@link #localBody}. */
    static Http2Headers local(HttpResponseStatus status, int length) {
        return new DefaultHttp2Headers(false)
                .status(status.codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, length)
                .set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
    }

    /** The body of an answer of the proxy's own: short plain text saying which side failed, as over HTTP/1. */
    static byte[] localBody(HttpResponseStatus status, String detail) {
        return (status.code() + " " + status.reasonPhrase() + ": " + detail + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static ByteBuf wrap(ByteBufAllocator alloc, byte[] bytes) {
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }
}
