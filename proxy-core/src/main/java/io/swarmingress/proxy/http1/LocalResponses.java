package io.swarmingress.proxy.http1;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * The answers the proxy gives on its own: short, plain text, and saying which side failed, so a
 * person reading curl output can tell a missing route from a dead backend. Written as bytes: the
 * client pipeline has no response encoder (responses from upstream are passed on as read).
 */
final class LocalResponses {
    private LocalResponses() {
    }

    /** Where an HTTPS redirect sends a request: same host and target, the TLS entrypoint's port (left out when 443). */
    static String httpsLocation(String host, int port, String target) {
        String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == 443 || port == 0 ? "" : ":" + port);
        return "https://" + authority + target;
    }

    /**
     * @param detail what the body says; for a redirect (3xx), where to, which is also its Location
     * @param connection the value of a Connection header to send, or null for none
     * @param headRequest the answer to a HEAD: the same head, no body (RFC 9110 section 9.3.2)
     */
    static ByteBuf create(ByteBufAllocator alloc, HttpResponseStatus status, String detail, String connection, boolean headRequest) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + detail + "\n").getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 ").append(status.code()).append(' ').append(status.reasonPhrase()).append("\r\n")
                .append("content-type: text/plain; charset=utf-8\r\n")
                .append("content-length: ").append(body.length).append("\r\n")
                .append("cache-control: no-store\r\n");
        if (connection != null) {
            head.append("connection: ").append(connection).append("\r\n");
        }
        if (status.codeClass() == HttpStatusClass.REDIRECTION) {
            head.append("location: ").append(detail).append("\r\n");
        }
        head.append("\r\n");
        ByteBuf out = alloc.buffer(head.length() + body.length);
        out.writeCharSequence(head, StandardCharsets.US_ASCII);
        if (!headRequest) {
            out.writeBytes(body);
        }
        return out;
    }
}
