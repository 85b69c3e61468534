package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes the head a client gets for a response just read by a {@link ResponseFramer}: the status
 * line as HTTP/1.1, the header lines without the hop-by-hop ones, one canonical Content-Length,
 * then the proxy's own lines. One copy of a few hundred bytes, where a codec would build and walk
 * a header map twice.
 */
final class ResponseHeadWriter {
    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);

    private ResponseHeadWriter() {
    }

    /**
     * @param setCookie the value of a Set-Cookie line of the proxy's own, or null
     * @param room bytes to reserve after the head (a short body written into the same buffer)
     */
    static ByteBuf write(HeadLines h, ByteBufAllocator alloc, long contentLength, boolean dropTransferEncoding, String connection,
            String via, String setCookie, int room) {
        ByteBuf out = alloc.directBuffer(h.length + 64 + room + (setCookie == null ? 0 : setCookie.length() + 16));
        int s = h.start[0];
        out.writeBytes(HTTP_1_1);
        out.writeBytes(h.bytes, s + 8, h.end[0] - s - 8);
        out.writeShort(HeadWriter.CRLF);
        for (int i = 1; i < h.count; i++) {
            if (h.flags[i] == HeadLines.DROP || (dropTransferEncoding && h.nameIs(i, "transfer-encoding"))) {
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
        if (setCookie != null) {
            HeadWriter.field(out, "set-cookie", setCookie);
        }
        out.writeShort(HeadWriter.CRLF);
        return out;
    }
}
