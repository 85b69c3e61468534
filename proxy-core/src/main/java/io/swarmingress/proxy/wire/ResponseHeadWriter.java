package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AsciiString;

/**
 * Writes the head a client gets for a response just read by a {@link ResponseFramer}: the status
 * line as HTTP/1.1, the header lines without the hop-by-hop ones, one canonical Content-Length,
 * then the proxy's own lines. One copy of a few hundred bytes, where a codec would build and walk
 * a header map twice.
 */
final class ResponseHeadWriter {
    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    /**
     * Names most responses carry, shared rather than built for every HTTP/2 response: two
     * allocations per field were a tenth of what the proxy allocated under {@code h2load -m 100}.
     */
    private static final String[] COMMON_NAMES_TEXT = {
        "date", "server", "content-type", "cache-control", "etag", "last-modified", "expires", "vary",
        "accept-ranges", "set-cookie", "location", "content-encoding", "content-language", "age",
        "access-control-allow-origin", "x-content-type-options", "x-frame-options", "strict-transport-security",
        "grpc-status", "grpc-message", "grpc-encoding",
    };
    private static final AsciiString[] COMMON_NAMES = Arrays.stream(COMMON_NAMES_TEXT).map(AsciiString::cached).toArray(AsciiString[]::new);

    private ResponseHeadWriter() {
    }

    /**
     * @param hsts a Strict-Transport-Security value written instead of the upstream's lines of that name; null keeps them
     * @param setCookie the value of a Set-Cookie line of the proxy's own, or null
     * @param room bytes to reserve after the head (a short body written into the same buffer)
     */
    static ByteBuf write(HeadLines h, ByteBufAllocator alloc, long contentLength, boolean dropTransferEncoding, String connection,
            String via, String hsts, String setCookie, int room) {
        ByteBuf out = alloc.directBuffer(h.length + 64 + room + (setCookie == null ? 0 : setCookie.length() + 16));
        int s = h.start[0];
        out.writeBytes(HTTP_1_1);
        out.writeBytes(h.bytes, s + 8, h.end[0] - s - 8);
        out.writeShort(HeadWriter.CRLF);
        for (int i = 1; i < h.count; i++) {
            if (h.flags[i] == HeadLines.DROP || (dropTransferEncoding && h.nameIs(i, "transfer-encoding"))
                    || (hsts != null && h.nameIs(i, "strict-transport-security"))) {
                continue;
            }
            h.copyLine(i, out);
        }
        if (contentLength >= 0) {
            HeadWriter.contentLength(out, contentLength);
        }
        if (connection != null) {
            HeadWriter.field(out, "connection", connection);
        }
        if (via != null) {
            HeadWriter.field(out, "via", via);
        }
        if (hsts != null) {
            HeadWriter.field(out, "strict-transport-security", hsts);
        }
        if (setCookie != null) {
            HeadWriter.field(out, "set-cookie", setCookie);
        }
        out.writeShort(HeadWriter.CRLF);
        return out;
    }

    /**
     * The 101 head for the client of a WebSocket upgrade: the upstream's lines without the
     * hop-by-hop ones, then {@code connection: upgrade} and {@code upgrade: websocket} in
     * canonical form (the upstream's own were dropped with the other hop-by-hop lines).
     */
    static ByteBuf writeSwitch(HeadLines h, ByteBufAllocator alloc, String via) {
        ByteBuf out = write(h, alloc, -1, true, "upgrade", via, null, null, 32);
        // Before the empty line that ends the head.
        out.writerIndex(out.writerIndex() - 2);
        HeadWriter.field(out, "upgrade", "websocket");
        out.writeShort(HeadWriter.CRLF);
        return out;
    }

    /** The lines {@link #write} copies, but Transfer-Encoding, as lower-case names and values (for HTTP/2). */
    static void visitFields(HeadLines h, ResponseFramer.FieldVisitor visitor) {
        for (int i = 1; i < h.count; i++) {
            if (h.flags[i] == HeadLines.DROP || h.nameIs(i, "transfer-encoding")) {
                continue;
            }
            int vs = h.valueStart(i);
            visitor.field(lowerName(h, i), new AsciiString(h.bytes, vs, h.valueEnd(i) - vs, true));
        }
    }

    /** Line i's name in lower case: one of {@link #COMMON_NAMES} when it is one, else a new string. */
    static AsciiString lowerName(HeadLines h, int i) {
        int n = h.nameLength(i);
        for (int c = 0; c < COMMON_NAMES.length; c++) {
            if (COMMON_NAMES[c].length() == n && h.nameIs(i, COMMON_NAMES_TEXT[c])) {
                return COMMON_NAMES[c];
            }
        }
        int s = h.start[i];
        byte[] name = new byte[n];
        for (int k = 0; k < n; k++) {
            name[k] = (byte) HeadLines.lower(h.bytes[s + k]);
        }
        return new AsciiString(name, false);
    }
}
