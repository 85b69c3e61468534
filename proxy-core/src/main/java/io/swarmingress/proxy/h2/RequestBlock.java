package io.swarmingress.proxy.h2;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * A request's header block, as HTTP/2 sent it, turned into the HTTP/1.1 head the proxy's own
 * parser reads. Why through the HTTP/1.1 parser: its rules are the security boundary (canonical
 * path, Host grammar, one Host, {@code _} spellings of guarded names, claims about the client,
 * hop-by-hop fields), and reading an HTTP/2 request by the very same code means no request can be
 * refused on one protocol and passed on the other.
 *
 * <p>What only HTTP/2 has is checked here first (RFC 9113 section 8.3): each pseudo-header at most
 * once, {@code :path} in origin form or {@code *}, {@code :scheme} http or https, no
 * {@code :status} in a request, and {@code host} naming what {@code :authority} names when both
 * are sent. Netty's decoder already refused upper-case names, connection-specific fields
 * (RFC 9113 section 8.2.2), {@code te} other than {@code trailers}, pseudo-headers after regular
 * ones, missing required pseudo-headers and values with NUL, CR or LF.
 */
final class RequestBlock {
    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final AsciiString PROTOCOL = AsciiString.cached(":protocol");
    /**
     * Why a request with {@code :protocol} is refused. The proxy does not send
     * SETTINGS_ENABLE_CONNECT_PROTOCOL, so such a request is malformed (RFC 8441 section 3; RFC
     * 9113 section 8.1.1): the stream is reset with PROTOCOL_ERROR, after a 400 that says so in
     * words (RFC 9113 lets a server answer a malformed request before it resets the stream). A
     * client that follows RFC 8441 never sends one here; the answer is for those that try anyway.
     */
    static final String EXTENDED_CONNECT = "WebSocket over HTTP/2 (RFC 8441 extended CONNECT, :protocol) is not supported "
            + "here: this server does not send SETTINGS_ENABLE_CONNECT_PROTOCOL; open WebSockets over HTTP/1.1";

    private RequestBlock() {
    }

    /** @return null when the block may be read as a request, else why not */
    static String check(io.netty.handler.codec.http2.Http2Headers headers) {
        int method = 0;
        int scheme = 0;
        int path = 0;
        int authority = 0;
        int hosts = 0;
        CharSequence hostValue = null;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                if (AsciiString.contentEquals(name, ":method")) {
                    method++;
                } else if (AsciiString.contentEquals(name, ":scheme")) {
                    scheme++;
                } else if (AsciiString.contentEquals(name, ":path")) {
                    path++;
                } else if (AsciiString.contentEquals(name, ":authority")) {
                    authority++;
                } else if (AsciiString.contentEquals(name, PROTOCOL)) {
                    return EXTENDED_CONNECT;
                } else {
                    return "the pseudo-header " + name + " is not for requests";
                }
            } else if (AsciiString.contentEquals(name, "host")) {
                hosts++;
                hostValue = e.getValue();
            }
        }
        if (method > 1 || scheme > 1 || path > 1 || authority > 1) {
            return "a pseudo-header appears more than once";
        }
        CharSequence m = headers.method();
        if (m == null) {
            return "no :method";
        }
        if (AsciiString.contentEquals(m, "CONNECT")) {
            // Refused by the HTTP/1 rules (405), like a CONNECT over HTTP/1.1.
            return headers.authority() == null ? "CONNECT without :authority" : null;
        }
        CharSequence s = headers.scheme();
        if (s == null || !(AsciiString.contentEquals(s, "http") || AsciiString.contentEquals(s, "https"))) {
            return "the :scheme is not http or https";
        }
        CharSequence p = headers.path();
        if (p == null || p.length() == 0) {
            return "no :path";
        }
        if (p.charAt(0) != '/' && !(p.length() == 1 && p.charAt(0) == '*')) {
            return "the :path is not in origin form";
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return "the :path has a character that must be percent-encoded";
            }
        }
        CharSequence a = headers.authority();
        if (a != null && hosts == 1 && !AsciiString.contentEqualsIgnoreCase(a, hostValue)) {
            // RFC 9113 section 8.3.1: the two must name the same; a backend that reads Host would route elsewhere.
            return "host differs from :authority";
        }
        return null;
    }

    /**
     * Writes the block as an HTTP/1.1 head: the request line from {@code :method} and
     * {@code :path} (the authority-form {@code :authority} of a CONNECT), Host from
     * {@code :authority} (or the host field), the fields in order with the {@code cookie} fields
     * joined into one (RFC 9113 section 8.2.3), and {@code transfer-encoding: chunked} when a body
     * of unknown length follows.
     */
    static ByteBuf toHttp1(ByteBufAllocator alloc, io.netty.handler.codec.http2.Http2Headers headers, boolean chunked) {
        ByteBuf out = alloc.heapBuffer(256);
        CharSequence method = headers.method();
        CharSequence authority = headers.authority();
        write(out, method);
        out.writeByte(' ');
        write(out, AsciiString.contentEquals(method, "CONNECT") && headers.path() == null ? authority : headers.path());
        out.writeBytes(HTTP_1_1);
        if (authority != null) {
            out.writeCharSequence("host: ", StandardCharsets.US_ASCII);
            write(out, authority);
            crlf(out);
        }
        boolean cookies = false;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue;
            }
            if (authority != null && AsciiString.contentEquals(name, HttpHeaderNames.HOST)) {
                continue;
            }
            if (AsciiString.contentEquals(name, HttpHeaderNames.COOKIE)) {
                cookies = true;
                continue;
            }
            write(out, name);
            out.writeByte(':').writeByte(' ');
            write(out, e.getValue());
            crlf(out);
        }
        if (cookies) {
            out.writeCharSequence("cookie: ", StandardCharsets.US_ASCII);
            boolean first = true;
            for (CharSequence c : headers.getAll(HttpHeaderNames.COOKIE)) {
                if (!first) {
                    out.writeByte(';').writeByte(' ');
                }
                write(out, c);
                first = false;
            }
            crlf(out);
        }
        if (chunked) {
            out.writeBytes(CHUNKED);
        }
        crlf(out);
        return out;
    }

    private static void write(ByteBuf out, CharSequence s) {
        if (s instanceof AsciiString) {
            ByteBufUtil.copy((AsciiString) s, out);
        } else {
            out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        }
    }

    private static void crlf(ByteBuf out) {
        out.writeByte('\r').writeByte('\n');
    }
}
