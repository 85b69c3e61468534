package io.swarmingress.proxy.wire;

/**
 * The fields that describe a connection rather than the message it carries (RFC 9110 section
 * 7.6.1): what a proxy must not pass on, in either direction. Both parsers drop the same set and
 * read Connection the same way, so it is defined once here. One per parser: it keeps what the
 * Connection lines of the head being read say.
 */
final class ConnectionHeaders {
    /** Options a Connection line carries, as flags. */
    private static final int CLOSE = 1;
    private static final int KEEP_ALIVE = 2;
    /** A Connection line names something else: a field to drop (see {@link #dropNamedFields}). */
    private static final int OTHER = 4;
    /** A Connection line has the {@code upgrade} option (it is also a field to drop: {@link #OTHER}). */
    private static final int UPGRADE = 8;

    private int options;
    /** The Upgrade line of the head, when it has exactly one; -1 otherwise. */
    private int upgradeLine;
    private int upgradeLines;

    /** Starts on a new head. */
    void reset() {
        options = 0;
        upgradeLine = -1;
        upgradeLines = 0;
    }

    /**
     * Drops line i when it describes the connection: Connection, Keep-Alive, Proxy-Connection, TE,
     * Trailer, Upgrade and the Proxy-Auth* pair. The options of a Connection line are kept for
     * {@link #keepsConnection}.
     *
     * @return whether the line was one of them
     */
    boolean dropHopByHop(HeadLines h, int i) {
        boolean hop;
        switch (h.nameLength(i)) {
            case 2:
                hop = h.nameIs(i, "te");
                break;
            case 7:
                hop = h.nameIs(i, "trailer");
                if (!hop && h.nameIs(i, "upgrade")) {
                    hop = true;
                    upgradeLine = ++upgradeLines == 1 ? i : -1;
                }
                break;
            case 10:
                if (h.nameIs(i, "connection")) {
                    options |= options(h, i);
                    hop = true;
                } else {
                    hop = h.nameIs(i, "keep-alive");
                }
                break;
            case 16:
                hop = h.nameIs(i, "proxy-connection");
                break;
            case 18:
                hop = h.nameIs(i, "proxy-authenticate");
                break;
            case 19:
                hop = h.nameIs(i, "proxy-authorization");
                break;
            default:
                hop = false;
                break;
        }
        if (hop) {
            h.flags[i] = HeadLines.DROP;
        }
        return hop;
    }

    /**
     * After every line went through {@link #dropHopByHop}: drops the fields the Connection lines
     * name, and says whether the peer keeps the connection open (HTTP/1.1 unless "close", HTTP/1.0
     * only with "keep-alive").
     */
    boolean keepsConnection(HeadLines h, boolean http10) {
        if ((options & OTHER) != 0) {
            dropNamedFields(h);
        }
        return (options & CLOSE) == 0 && (!http10 || (options & KEEP_ALIVE) != 0);
    }

    /**
     * Whether the head asks to switch to WebSocket (RFC 6455 section 4.1): the {@code upgrade}
     * option in Connection and one Upgrade line whose value is exactly {@code websocket}. Other
     * protocols (h2c, TLS) are not offered upstream: their lines stay dropped.
     */
    boolean webSocketUpgrade(HeadLines h) {
        return (options & UPGRADE) != 0 && upgradeLine >= 0
                && h.equalsIgnoreCase(h.valueStart(upgradeLine), h.valueEnd(upgradeLine), "websocket");
    }

    /** The options of a Connection line: close, keep-alive, and whether it names anything else. */
    private static int options(HeadLines h, int i) {
        int result = 0;
        int e = h.valueEnd(i);
        for (int t = h.valueStart(i); t <= e; ) {
            int comma = h.indexOf(t, e, (byte) ',');
            int te = comma < 0 ? e : comma;
            int a = trimStart(h, t, te);
            int z = trimEnd(h, a, te);
            if (h.equalsIgnoreCase(a, z, "close")) {
                result |= CLOSE;
            } else if (h.equalsIgnoreCase(a, z, "keep-alive")) {
                result |= KEEP_ALIVE;
            } else if (h.equalsIgnoreCase(a, z, "upgrade")) {
                result |= UPGRADE | OTHER;
            } else if (z > a) {
                result |= OTHER;
            }
            t = te + 1;
        }
        return result;
    }

    /**
     * Drops every field the Connection lines name, except the framing fields and Host: a peer
     * removing those would change how the message is read, which is a smuggling vector, not a
     * connection option.
     */
    private static void dropNamedFields(HeadLines h) {
        for (int c = 1; c < h.count; c++) {
            if (!h.nameIs(c, "connection")) {
                continue;
            }
            int e = h.valueEnd(c);
            for (int t = h.valueStart(c); t <= e; ) {
                int comma = h.indexOf(t, e, (byte) ',');
                int te = comma < 0 ? e : comma;
                int a = trimStart(h, t, te);
                int z = trimEnd(h, a, te);
                if (z > a && !h.equalsIgnoreCase(a, z, "transfer-encoding") && !h.equalsIgnoreCase(a, z, "content-length")
                        && !h.equalsIgnoreCase(a, z, "host")) {
                    for (int i = 1; i < h.count; i++) {
                        if (h.flags[i] != HeadLines.DROP && h.nameLength(i) == z - a && sameName(h, i, a)) {
                            h.flags[i] = HeadLines.DROP;
                        }
                    }
                }
                t = te + 1;
            }
        }
    }

    private static int trimStart(HeadLines h, int a, int z) {
        while (a < z && HeadLines.isSpace(h.bytes[a])) {
            a++;
        }
        return a;
    }

    private static int trimEnd(HeadLines h, int a, int z) {
        while (z > a && HeadLines.isSpace(h.bytes[z - 1])) {
            z--;
        }
        return z;
    }

    private static boolean sameName(HeadLines h, int line, int tokenStart) {
        int s = h.start[line];
        int n = h.nameLength(line);
        for (int k = 0; k < n; k++) {
            if (HeadLines.lower(h.bytes[s + k]) != HeadLines.lower(h.bytes[tokenStart + k])) {
                return false;
            }
        }
        return true;
    }
}
