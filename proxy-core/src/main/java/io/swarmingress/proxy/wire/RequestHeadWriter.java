package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes the head an upstream gets for a request just read by a {@link RequestParser}: the
 * client's method, the given target and HTTP/1.1; the client's lines without the hop-by-hop ones,
 * the framing lines and the X-Forwarded-* set; then the proxy's own lines, each in one canonical
 * form: Host when the client's is replaced or missing, the framing line, X-Forwarded-For with the
 * client appended, the connection's X-Forwarded-Proto/-Port, X-Forwarded-Host and Via.
 */
public final class RequestHeadWriter {
    private static final byte[] CHUNKED_LINE = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_1_LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FORWARDED_FOR = "x-forwarded-for: ".getBytes(StandardCharsets.US_ASCII);

    private RequestHeadWriter() {
    }

    /**
     * @param target the origin-form target to send
     * @param host a Host value to write, or null to keep the client's line
     * @param forwardedFor the client's address
     * @param forwarded the connection's fixed X-Forwarded-* lines, CRLF-terminated
     * @param forwardedHost the X-Forwarded-Host value, or null for none
     * @param via a Via value to add, or null
     */
    public static ByteBuf write(RequestParser request, ByteBufAllocator alloc, String target, String host, String forwardedFor,
            byte[] forwarded, String forwardedHost, String via) {
        HeadLines h = request.head;
        ByteBuf out = alloc.directBuffer(h.length + target.length() + 160);
        out.writeBytes(h.bytes, h.start[0], request.methodEnd - h.start[0] + 1);
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
            HeadWriter.field(out, "host", host);
        }
        if (request.chunked) {
            out.writeBytes(CHUNKED_LINE);
        } else if (request.contentLength >= 0) {
            HeadWriter.contentLength(out, request.contentLength);
        }
        out.writeBytes(FORWARDED_FOR);
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
        out.writeShort(HeadWriter.CRLF);
        out.writeBytes(forwarded);
        if (forwardedHost != null) {
            HeadWriter.field(out, "x-forwarded-host", forwardedHost);
        }
        if (via != null) {
            HeadWriter.field(out, "via", via);
        }
        out.writeShort(HeadWriter.CRLF);
        return out;
    }
}
