package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes the head an upstream gets for a request just read by a {@link RequestParser}: the
 * client's method, the given target and HTTP/1.1; the client's lines without the hop-by-hop ones,
 * the framing lines, and the claims about the client unless its peer is trusted (see
 * {@link ForwardedFields}); then the proxy's own lines, each in one canonical form: Host when the
 * client's is replaced or missing, the framing line, X-Forwarded-For, the connection's
 * X-Forwarded-Proto/-Port where a trusted peer did not send its own, a verified client
 * certificate's subject, X-Forwarded-Host where a trusted peer did not send its own, a Forwarded
 * element after a trusted peer's, and Via. A WebSocket upgrade gets its Connection and Upgrade
 * lines back, in canonical form.
 */
public final class RequestHeadWriter {
    private static final byte[] CHUNKED_LINE = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_1_LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FORWARDED_FOR = "x-forwarded-for: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WEBSOCKET = "connection: upgrade\r\nupgrade: websocket\r\n".getBytes(StandardCharsets.US_ASCII);

    private RequestHeadWriter() {
    }

    /**
     * @param target the origin-form target to send
     * @param host a Host value to write, or null to keep the client's line
     * @param forwarded what the connection says about its client
     * @param forwardedHost the X-Forwarded-Host value, or null for none
     * @param via a Via value to add, or null
     */
    public static ByteBuf write(RequestParser request, ByteBufAllocator alloc, String target, String host,
            ForwardedFields forwarded, String forwardedHost, String via) {
        HeadLines h = request.head;
        ByteBuf out = alloc.directBuffer(h.length + target.length() + 160 + forwarded.subjectLine.length);
        out.writeBytes(h.bytes, h.start[0], request.methodEnd - h.start[0] + 1);
        out.writeCharSequence(target, StandardCharsets.US_ASCII);
        out.writeBytes(HTTP_1_1_LINE_END);
        boolean trusted = forwarded.trusted;
        boolean previousForwardedFor = false;
        // One bit per kind of claim a trusted peer sent (1 << flag): the proxy leaves out its own line of that kind.
        int claims = 0;
        for (int i = 1; i < h.count; i++) {
            byte f = h.flags[i];
            if (f == HeadLines.KEEP) {
                h.copyLine(i, out);
            } else if (f == HeadLines.FORWARDED_FOR) {
                previousForwardedFor = trusted;
            } else if (f >= HeadLines.CLAIM_PROTO && trusted) {
                h.copyLine(i, out);
                claims |= 1 << f;
            }
        }
        if (host != null) {
            HeadWriter.field(out, "host", host);
        }
        if (request.webSocket) {
            out.writeBytes(WEBSOCKET);
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
        out.writeBytes(forwarded.client);
        out.writeShort(HeadWriter.CRLF);
        if ((claims & (1 << HeadLines.CLAIM_PROTO)) == 0) {
            out.writeBytes(forwarded.protoLine);
        }
        if ((claims & (1 << HeadLines.CLAIM_PORT)) == 0) {
            out.writeBytes(forwarded.portLine);
        }
        out.writeBytes(forwarded.subjectLine);
        if (forwardedHost != null && (claims & (1 << HeadLines.CLAIM_HOST)) == 0) {
            HeadWriter.field(out, "x-forwarded-host", forwardedHost);
        }
        if ((claims & (1 << HeadLines.CLAIM_FORWARDED)) != 0) {
            // RFC 7239 section 4: a proxy appends its element to the list; the peer's lines came first.
            out.writeBytes(forwarded.forwardedLine);
        }
        if (via != null) {
            HeadWriter.field(out, "via", via);
        }
        out.writeShort(HeadWriter.CRLF);
        return out;
    }
}
