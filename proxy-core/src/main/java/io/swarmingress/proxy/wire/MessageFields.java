package io.swarmingress.proxy.wire;

/**
 * The one header loop of both directions: every field line checked (RFC 9112 section 5), the
 * hop-by-hop ones dropped, Content-Length and Transfer-Encoding read by the same rules; the fields
 * only one direction cares about go to its {@link Visitor}. One per parser.
 */
final class MessageFields {
    /** A direction's own fields. */
    interface Visitor {
        /** @return null, or why the head is refused */
        String field(HeadLines h, int i);
    }

    private final ConnectionHeaders connection = new ConnectionHeaders();
    /** The message's length from Content-Length, or -1 when it has none. */
    long contentLength;
    /** How many Transfer-Encoding lines the head has, and what the last one says. */
    int transferEncodings;
    FieldRules.Coding coding;

    /** @return null, or why the head is refused */
    String read(HeadLines h, Visitor visitor) {
        connection.reset();
        contentLength = -1;
        transferEncodings = 0;
        coding = null;
        for (int i = 1; i < h.count; i++) {
            String error = h.checkHeader(i);
            if (error != null) {
                return error;
            }
            if (connection.dropHopByHop(h, i)) {
                continue;
            }
            if (h.nameIs(i, "content-length")) {
                long value = FieldRules.contentLength(h.bytes, h.valueStart(i), h.valueEnd(i));
                if (value < 0 || (contentLength >= 0 && value != contentLength)) {
                    return "invalid Content-Length";
                }
                contentLength = value;
                // Written again as one canonical line: "5, 5" or " 005" reach no peer as sent.
                h.flags[i] = HeadLines.DROP;
            } else if (h.nameIs(i, "transfer-encoding")) {
                transferEncodings++;
                coding = FieldRules.transferCoding(h.bytes, h.valueStart(i), h.valueEnd(i));
            } else {
                error = visitor.field(h, i);
                if (error != null) {
                    return error;
                }
            }
        }
        return null;
    }

    /** After {@link #read}: whether the head asks to switch to WebSocket (see {@link ConnectionHeaders#webSocketUpgrade}). */
    boolean webSocketUpgrade(HeadLines h) {
        return connection.webSocketUpgrade(h);
    }

    /** After {@link #read}: whether the peer keeps the connection open (and drops what Connection names). */
    boolean keepsConnection(HeadLines h, boolean http10) {
        return connection.keepsConnection(h, http10);
    }
}
