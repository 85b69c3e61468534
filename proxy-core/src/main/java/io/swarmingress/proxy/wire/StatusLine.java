package io.swarmingress.proxy.wire;

/**
 * The status line of a response (RFC 9112 section 4): {@code HTTP/1.x SP 3DIGIT SP [reason]}, with
 * no control bytes in the reason. Anything else is not a response the proxy passes on.
 */
final class StatusLine {
    private StatusLine() {
    }

    /** @return the status code of the head's first line (100-999), or -1 when the line is malformed */
    static int status(HeadLines h) {
        byte[] b = h.bytes;
        int s = h.start[0];
        int len = h.end[0] - s;
        if (len < 12 || b[s] != 'H' || b[s + 1] != 'T' || b[s + 2] != 'T'
                || b[s + 3] != 'P' || b[s + 4] != '/' || b[s + 5] != '1'
                || b[s + 6] != '.' || !HeadLines.isDigit(b[s + 7]) || b[s + 8] != ' '
                || !HeadLines.isDigit(b[s + 9]) || !HeadLines.isDigit(b[s + 10])
                || !HeadLines.isDigit(b[s + 11]) || (len > 12 && b[s + 12] != ' ')) {
            return -1;
        }
        for (int p = s + 12; p < h.end[0]; p++) {
            if (ChunkedBody.isControl(b[p])) {
                return -1;
            }
        }
        int code = (b[s + 9] - '0') * 100 + (b[s + 10] - '0') * 10 + (b[s + 11] - '0');
        return code < 100 ? -1 : code;
    }

    /** Whether a well-formed status line says HTTP/1.0. */
    static boolean http10(HeadLines h) {
        return h.bytes[h.start[0] + 7] == '0';
    }
}
