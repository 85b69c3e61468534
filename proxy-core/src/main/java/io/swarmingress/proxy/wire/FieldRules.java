package io.swarmingress.proxy.wire;

/**
 * The rules for the fields that decide how a message is framed and routed, shared by requests,
 * responses and trailers: where a lenient reader and a strict one could disagree, the value is
 * refused or written out again in one canonical form.
 */
final class FieldRules {
    /** What a Transfer-Encoding value amounts to. */
    enum Coding {
        /** Exactly {@code chunked}: the body is chunked and nothing else. */
        CHUNKED,
        /** A well-formed list that ends in chunked but names another coding too (a request gets a 501). */
        CHUNKED_AFTER_OTHERS,
        /** A well-formed list whose last coding is not chunked: the length cannot be known from it. */
        NOT_CHUNKED,
        /** Not a list of codings at all, or chunked twice: refused wherever it appears. */
        MALFORMED
    }

    /**
     * Names that must never reach a backend under a spelling it may fold into the real one
     * (WSGI, Rack, PHP and CGI turn {@code X_Forwarded_For} into the same variable as
     * {@code X-Forwarded-For}), and that may not arrive as trailers (RFC 9110 section 6.5.1: they
     * frame, route or describe the connection, and a trailer comes too late to do any of that).
     */
    private static final String[] GUARDED = {
        "content-length", "transfer-encoding", "host", "connection", "keep-alive", "proxy-connection", "te",
        "trailer", "upgrade", "expect", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
        "x-forwarded-port", "x-real-ip",
    };

    private FieldRules() {
    }

    /**
     * Reads a Content-Length value: one decimal number, or a list of the same number repeated
     * (RFC 9110 section 8.6 lets a recipient take {@code 5, 5} as 5).
     *
     * @return the length, or -1 when the value is not that
     */
    static long contentLength(byte[] b, int s, int e) {
        long value = -1;
        int p = s;
        while (true) {
            while (p < e && HeadLines.isSpace(b[p])) {
                p++;
            }
            int digitsStart = p;
            long v = 0;
            while (p < e && HeadLines.isDigit(b[p])) {
                if (p - digitsStart == 18) {
                    return -1;
                }
                v = v * 10 + (b[p] - '0');
                p++;
            }
            if (p == digitsStart || (value >= 0 && v != value)) {
                return -1;
            }
            value = v;
            while (p < e && HeadLines.isSpace(b[p])) {
                p++;
            }
            if (p == e) {
                return value;
            }
            if (b[p] != ',') {
                return -1;
            }
            p++;
        }
    }

    /** Classifies a Transfer-Encoding value (RFC 9112 section 6.1): codings are tokens, without parameters here. */
    static Coding transferCoding(byte[] b, int s, int e) {
        int chunkedCount = 0;
        boolean lastIsChunked = false;
        boolean others = false;
        int p = s;
        while (true) {
            while (p < e && HeadLines.isSpace(b[p])) {
                p++;
            }
            int t = p;
            while (p < e && HeadLines.isToken(b[p])) {
                p++;
            }
            if (p == t) {
                return Coding.MALFORMED;
            }
            lastIsChunked = equalsIgnoreCase(b, t, p, "chunked");
            if (lastIsChunked) {
                chunkedCount++;
            } else {
                others = true;
            }
            while (p < e && HeadLines.isSpace(b[p])) {
                p++;
            }
            if (p == e) {
                break;
            }
            if (b[p] != ',') {
                return Coding.MALFORMED;
            }
            p++;
        }
        if (chunkedCount > 1 || (chunkedCount == 1 && !lastIsChunked)) {
            // RFC 9112 section 6.1: chunked at most once, and always last.
            return chunkedCount > 1 ? Coding.MALFORMED : Coding.NOT_CHUNKED;
        }
        if (!lastIsChunked) {
            return Coding.NOT_CHUNKED;
        }
        return others ? Coding.CHUNKED_AFTER_OTHERS : Coding.CHUNKED;
    }

    /**
     * Whether the name {@code b[s, e)} contains an underscore and reads as a guarded name when
     * underscores are read as hyphens: a second spelling of a framing, routing or proxy-set field.
     */
    static boolean isUnderscoreAlias(byte[] b, int s, int e) {
        boolean underscore = false;
        for (int p = s; p < e; p++) {
            if (b[p] == '_') {
                underscore = true;
                break;
            }
        }
        return underscore && isGuarded(b, s, e);
    }

    /** Whether {@code b[s, e)} names a guarded field, with {@code _} read as {@code -}: not allowed as a trailer. */
    static boolean isGuarded(byte[] b, int s, int e) {
        for (String name : GUARDED) {
            if (name.length() == e - s && equalsFolded(b, s, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean equalsFolded(byte[] b, int s, String lower) {
        for (int k = 0; k < lower.length(); k++) {
            int c = HeadLines.lower(b[s + k]);
            if (c == '_') {
                c = '-';
            }
            if (c != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsIgnoreCase(byte[] b, int s, int e, String lower) {
        if (e - s != lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            if (HeadLines.lower(b[s + k]) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
