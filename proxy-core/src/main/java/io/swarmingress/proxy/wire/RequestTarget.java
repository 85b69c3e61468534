package io.swarmingress.proxy.wire;

import java.nio.charset.StandardCharsets;

/**
 * The request target of one request (RFC 9112 section 3.2), checked and with its path in the one
 * canonical form that is both routed and forwarded.
 *
 * <p>Why the proxy rewrites paths: a prefix route fences a backend's paths off from each other
 * only if the proxy and the backend agree on which path a target names. They would not for
 * {@code /static/%2e%2e/admin} (a backend decodes the dots and climbs out of {@code /static}),
 * {@code /static\..\admin} (some servers read a backslash as a separator), {@code /static%2fadmin}
 * or {@code //admin}. So encoded separators, backslashes, NUL and malformed escapes are refused,
 * unreserved characters are decoded, other escapes get upper-case hex, empty segments are merged
 * and dot-segments removed (RFC 3986 section 5.2.4) before the route is chosen; a {@code ..} that
 * would climb above the root is refused rather than clamped. The query is left as sent.
 *
 * <p>Most targets need none of this: one pass over the bytes finds nothing to do, and the path is
 * the bytes as they came (cached across requests of a keep-alive connection). Not thread-safe: one
 * per client connection.
 */
public final class RequestTarget {
    /** The four forms of RFC 9112 section 3.2. */
    public enum Form { ORIGIN, ABSOLUTE, ASTERISK, AUTHORITY }

    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
            UNRESERVED[Character.toUpperCase(c)] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
    }

    private Form form;
    private String path;
    private String query;
    private String authority;
    private String error;
    // The last raw path and what it became: a keep-alive client asks for the same few paths.
    private byte[] lastRaw = new byte[0];
    private int lastRawLength = -1;
    private String lastPath;

    /**
     * Reads the target in {@code b[s, e)}, whose bytes the request line check already limited to
     * visible ASCII.
     *
     * @return false when the target is refused; {@link #error()} says why
     */
    boolean parse(byte[] b, int s, int e) {
        form = null;
        path = null;
        query = "";
        authority = null;
        error = null;
        for (int p = s; p < e; p++) {
            if (b[p] == '#') {
                return fail("a fragment in the request target");
            }
        }
        if (b[s] == '/') {
            form = Form.ORIGIN;
            return pathAndQuery(b, s, e);
        }
        if (e - s == 1 && b[s] == '*') {
            form = Form.ASTERISK;
            path = "*";
            return true;
        }
        int authorityStart = schemeEnd(b, s, e);
        if (authorityStart < 0) {
            // authority-form (CONNECT) or something that is no target at all: CONNECT is refused either way.
            form = Form.AUTHORITY;
            authority = new String(b, s, e - s, StandardCharsets.US_ASCII);
            return true;
        }
        form = Form.ABSOLUTE;
        int authorityEnd = authorityStart;
        while (authorityEnd < e && b[authorityEnd] != '/' && b[authorityEnd] != '?') {
            authorityEnd++;
        }
        String invalid = Authority.check(b, authorityStart, authorityEnd);
        if (invalid != null || authorityEnd == authorityStart) {
            return fail("invalid authority in the request target: " + (invalid == null ? "empty" : invalid));
        }
        authority = new String(b, authorityStart, authorityEnd - authorityStart, StandardCharsets.US_ASCII);
        if (authorityEnd == e || b[authorityEnd] == '?') {
            // http://host?q has an empty path, which origin form writes as "/".
            path = "/";
            query = new String(b, authorityEnd, e - authorityEnd, StandardCharsets.US_ASCII);
            return true;
        }
        return pathAndQuery(b, authorityEnd, e);
    }

    /** @return where the authority starts after {@code http://} or {@code https://} (any case), or -1 */
    private static int schemeEnd(byte[] b, int s, int e) {
        int p = s;
        String http = "http";
        for (int k = 0; k < http.length(); k++, p++) {
            if (p >= e || HeadLines.lower(b[p]) != http.charAt(k)) {
                return -1;
            }
        }
        if (p < e && HeadLines.lower(b[p]) == 's') {
            p++;
        }
        if (e - p < 3 || b[p] != ':' || b[p + 1] != '/' || b[p + 2] != '/') {
            return -1;
        }
        return p + 3;
    }

    private boolean pathAndQuery(byte[] b, int s, int e) {
        int q = s;
        while (q < e && b[q] != '?') {
            q++;
        }
        query = q == e ? "" : new String(b, q, e - q, StandardCharsets.US_ASCII);
        if (q - s == lastRawLength && sameBytes(b, s, q)) {
            path = lastPath;
            return true;
        }
        String normalized = needsWork(b, s, q) ? normalize(b, s, q) : new String(b, s, q - s, StandardCharsets.US_ASCII);
        if (normalized == null) {
            return false;
        }
        if (q - s <= 1024) {
            if (lastRaw.length < q - s) {
                lastRaw = new byte[Math.max(64, q - s)];
            }
            System.arraycopy(b, s, lastRaw, 0, q - s);
            lastRawLength = q - s;
            lastPath = normalized;
        }
        path = normalized;
        return true;
    }

    private boolean sameBytes(byte[] b, int s, int e) {
        for (int p = s, k = 0; p < e; p++, k++) {
            if (b[p] != lastRaw[k]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the path has escapes, backslashes, empty segments or dot-segments: the slow path. */
    private static boolean needsWork(byte[] b, int s, int e) {
        for (int p = s; p < e; p++) {
            byte c = b[p];
            if (c == '%' || c == '\\') {
                return true;
            }
            if (c == '/' && p + 1 < e && (b[p + 1] == '/' || b[p + 1] == '.')) {
                return true;
            }
        }
        return false;
    }

    /** @return the canonical path, or null (with {@link #error} set) when the path is refused */
    private String normalize(byte[] b, int s, int e) {
        // 1. Escapes: unreserved ones decoded, separators and NUL refused, the rest in upper-case hex.
        StringBuilder decoded = new StringBuilder(e - s);
        for (int p = s; p < e; p++) {
            byte c = b[p];
            if (c == '\\') {
                fail("a backslash in the path");
                return null;
            }
            if (c != '%') {
                decoded.append((char) c);
                continue;
            }
            int hi = p + 2 < e ? ChunkedBody.hex(b[p + 1]) : -1;
            int lo = hi < 0 ? -1 : ChunkedBody.hex(b[p + 2]);
            if (lo < 0) {
                fail("malformed percent-encoding in the path");
                return null;
            }
            int v = hi * 16 + lo;
            if (v == '/' || v == '\\') {
                fail("an encoded path separator");
                return null;
            }
            if (v == 0) {
                fail("an encoded NUL in the path");
                return null;
            }
            if (v < 128 && UNRESERVED[v]) {
                decoded.append((char) v);
            } else {
                decoded.append('%').append(Character.toUpperCase(Character.forDigit(hi, 16)))
                        .append(Character.toUpperCase(Character.forDigit(lo, 16)));
            }
            p += 2;
        }
        // 2. Segments: empty ones merged, "." dropped, ".." takes the previous one away.
        StringBuilder out = new StringBuilder(decoded.length());
        int n = decoded.length();
        boolean trailingSlash = false;
        for (int i = 1; ; ) {
            int next = decoded.indexOf("/", i);
            int end = next < 0 ? n : next;
            int len = end - i;
            int semicolon = decoded.indexOf(";", i);
            if (semicolon >= 0 && semicolon < end && isDots(decoded, i, semicolon)) {
                // "..;x": servers that strip path parameters before dot-segments (Tomcat, Jetty,
                // Spring) read a ".." where a plain reader sees a name. Refused, not guessed at.
                fail("a dot-segment with parameters in the path");
                return null;
            }
            if (len == 0 || (len == 1 && decoded.charAt(i) == '.')) {
                trailingSlash = true;
            } else if (len == 2 && decoded.charAt(i) == '.' && decoded.charAt(i + 1) == '.') {
                int cut = out.lastIndexOf("/");
                if (cut < 0) {
                    fail("the path climbs above the root");
                    return null;
                }
                out.setLength(cut);
                trailingSlash = true;
            } else {
                out.append('/').append(decoded, i, end);
                trailingSlash = false;
            }
            if (next < 0) {
                break;
            }
            i = next + 1;
        }
        if (out.length() == 0 || trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }

    /** Whether {@code text[s, e)} is "." or "..". */
    private static boolean isDots(CharSequence text, int s, int e) {
        return (e - s == 1 && text.charAt(s) == '.') || (e - s == 2 && text.charAt(s) == '.' && text.charAt(s + 1) == '.');
    }

    private boolean fail(String reason) {
        error = reason;
        return false;
    }

    public Form form() {
        return form;
    }

    /** The canonical path without the query ({@code "*"} for the asterisk form). */
    public String path() {
        return path;
    }

    /** The query with its {@code ?}, as sent, or empty. */
    public String query() {
        return query;
    }

    /** The authority of an absolute-form or authority-form target, else null. */
    public String authority() {
        return authority;
    }

    public String error() {
        return error;
    }
}
