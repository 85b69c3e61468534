package io.swarmingress.proxy.h2;

import java.nio.charset.StandardCharsets;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The proxy's own answers to gRPC requests, in gRPC's form: a gRPC client reads its outcome from
 * {@code grpc-status} and takes any HTTP status but 200 for a broken transport, so a plain 503
 * would reach the application as an opaque "unknown" error. As Envoy does, the answer is a
 * trailers-only response (HTTP 200, one HEADERS frame with END_STREAM) whose status maps the
 * HTTP one the way gRPC's own HTTP-to-status table does, except that a deadline the proxy
 * enforced is DEADLINE_EXCEEDED, which is what the client asked to be told.
 */
final class GrpcAnswers {
    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** gRPC status codes (grpc/doc/statuscodes.md). */
    static final int INTERNAL = 13;
    static final int UNAVAILABLE = 14;
    static final int DEADLINE_EXCEEDED = 4;
    static final int UNIMPLEMENTED = 12;
    static final int UNAUTHENTICATED = 16;
    static final int PERMISSION_DENIED = 7;
    static final int UNKNOWN = 2;

    private GrpcAnswers() {
    }

    /** Whether a request's content type is gRPC's ({@code application/grpc}, {@code application/grpc+proto}, ...). */
    static boolean isGrpc(CharSequence contentType) {
        if (contentType == null || contentType.length() < APPLICATION_GRPC.length()) {
            return false;
        }
        if (!AsciiString.regionMatches(contentType, true, 0, APPLICATION_GRPC, 0, APPLICATION_GRPC.length())) {
            return false;
        }
        if (contentType.length() == APPLICATION_GRPC.length()) {
            return true;
        }
        char next = contentType.charAt(APPLICATION_GRPC.length());
        return next == '+' || next == ';';
    }

    /** The gRPC status for an HTTP status the proxy answers with. */
    static int status(int http) {
        switch (http) {
            case 504:
                return DEADLINE_EXCEEDED;
            case 502:
            case 503:
            case 429:
                return UNAVAILABLE;
            case 404:
                return UNIMPLEMENTED;
            case 401:
                return UNAUTHENTICATED;
            case 403:
                return PERMISSION_DENIED;
            case 400:
            case 413:
            case 431:
                return INTERNAL;
            default:
                return UNKNOWN;
        }
    }

    /** The one HEADERS frame of a trailers-only answer. */
    static Http2Headers trailersOnly(HttpResponseStatus status, String detail) {
        return new DefaultHttp2Headers(false)
                .status(HttpResponseStatus.OK.codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC)
                .setInt(GRPC_STATUS, status(status.code()))
                .set(GRPC_MESSAGE, percentEncode(status.code() + " " + status.reasonPhrase() + ": " + detail));
    }

    /** grpc-message's encoding (PROTOCOL-HTTP2.md): UTF-8, with '%' and bytes outside 0x20-0x7E as %XX. */
    static AsciiString percentEncode(String message) {
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length * 3];
        int n = 0;
        for (byte b : utf8) {
            if (b >= 0x20 && b <= 0x7e && b != '%') {
                out[n++] = b;
            } else {
                out[n++] = '%';
                out[n++] = HEX[(b >> 4) & 0xf];
                out[n++] = HEX[b & 0xf];
            }
        }
        return new AsciiString(out, 0, n, false);
    }
}
