package io.swarmingress.proxy.wire;

/**
 * The grammar of a Host value or an absolute-form authority: {@code uri-host [ ":" port ]}
 * (RFC 9110 section 7.2, RFC 3986 section 3.2), without userinfo.
 *
 * <p>Why so strict: routes pick a backend by host, and backends build URLs, redirects and cache
 * keys from the same value. {@code good.example:@evil.com} is good.example to a reader that stops
 * at the colon and evil.com to a URL parser; {@code a@evil.com#.wild.example} ends in a wildcard
 * route's suffix while naming evil.com. A value that two readers could split differently is
 * refused (400), never routed or forwarded.
 */
final class Authority {
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[Character.toUpperCase(c)] = true;
        }
        // unreserved and sub-delims
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    private Authority() {
    }

    /**
     * Checks {@code b[s, e)}. An empty value passes (a request whose target has no authority sends
     * an empty Host, RFC 9112 section 3.2).
     *
     * @return null when valid, else what is wrong
     */
    static String check(byte[] b, int s, int e) {
        if (s == e) {
            return null;
        }
        int p = s;
        if (b[p] == '[') {
            // IP-literal: IPv6 hex, colons and dots (an embedded IPv4), or a "v" future literal's characters.
            p++;
            int start = p;
            while (p < e && b[p] != ']') {
                byte c = b[p];
                if (!(HeadLines.isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
                    return "invalid IP literal";
                }
                p++;
            }
            if (p == e || p == start) {
                return "invalid IP literal";
            }
            p++;
        } else {
            while (p < e && b[p] != ':') {
                byte c = b[p];
                if (c == '%') {
                    // Allowed in a reg-name, but a decoded "/" or "." would make routes and
                    // backends read different hosts ("evil.com%2F.wild.example"): no host needs it.
                    return "percent-encoding in the host";
                }
                if (c < 0 || !REG_NAME[c]) {
                    return "invalid character in the host";
                }
                p++;
            }
        }
        if (p == e) {
            return null;
        }
        if (b[p] != ':') {
            return "invalid character after the host";
        }
        return port(b, p + 1, e);
    }

    private static String port(byte[] b, int s, int e) {
        if (s == e || e - s > 5) {
            return "invalid port";
        }
        int v = 0;
        for (int p = s; p < e; p++) {
            if (!HeadLines.isDigit(b[p])) {
                return "invalid port";
            }
            v = v * 10 + (b[p] - '0');
        }
        return v > 65535 ? "invalid port" : null;
    }

}
