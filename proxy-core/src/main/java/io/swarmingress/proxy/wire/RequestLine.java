package io.swarmingress.proxy.wire;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The request line of a head (RFC 9112 section 3): {@code method SP request-target SP HTTP/1.x},
 * single spaces, a token for the method, no control or non-ASCII byte in the target. The
 * response side's counterpart is {@link StatusLine}; apart from {@link RequestParser} because a
 * request line is checked on its own terms before any field is read. Mutable, reused per head.
 */
final class RequestLine {
    /** Where the method ends (the space after it), as an index into the head's bytes. */
    int methodEnd;
    int targetStart;
    int targetEnd;
    boolean http10;

    /** @return null, or the status that refuses the head: 400 for a malformed line, 505 for a version other than 1.0 and 1.1 */
    HttpResponseStatus parse(HeadLines head) {
        byte[] b = head.bytes;
        int s = head.start[0];
        int e = head.end[0];
        int p = s;
        while (p < e && HeadLines.isToken(b[p])) {
            p++;
        }
        if (p == s || p >= e || b[p] != ' ') {
            return HttpResponseStatus.BAD_REQUEST;
        }
        methodEnd = p;
        targetStart = ++p;
        while (p < e) {
            byte c = b[p];
            if (c == ' ') {
                break;
            }
            if (c <= ' ' || c == 0x7f) {
                // Controls and bytes from 0x80 must be percent-encoded in a request target.
                return HttpResponseStatus.BAD_REQUEST;
            }
            p++;
        }
        targetEnd = p;
        if (targetEnd == targetStart || e - p != 9 || b[p] != ' ' || b[p + 1] != 'H'
                || b[p + 2] != 'T' || b[p + 3] != 'T' || b[p + 4] != 'P'
                || b[p + 5] != '/' || !HeadLines.isDigit(b[p + 6]) || b[p + 7] != '.'
                || !HeadLines.isDigit(b[p + 8])) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (b[p + 6] != '1' || (b[p + 8] != '0' && b[p + 8] != '1')) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        http10 = b[p + 8] == '0';
        return null;
    }
}
