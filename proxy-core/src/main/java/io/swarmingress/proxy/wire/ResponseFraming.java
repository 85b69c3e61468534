package io.swarmingress.proxy.wire;

/**
 * What a response head says about the message it starts: the status, how the body is framed
 * (a length, chunked, or until the close) and whether the connection stays open after it.
 *
 * <p>Apart from {@link ResponseFramer} because the rules are the part most worth reading on their
 * own: where both framing fields appear, Transfer-Encoding wins (RFC 9112 section 6.3) and the
 * connection is not reused, since a peer that sent both may read its own messages otherwise.
 * Mutable and reused for every head of one connection, like the framer it belongs to.
 */
final class ResponseFraming {
    private final MessageFields fields = new MessageFields();
    private final MessageFields.Visitor noOwnFields = (h, i) -> null;
    int status;
    boolean keepAlive;
    boolean chunked;
    /** The body's length, or -1 when it is chunked or ends at the close. */
    long contentLength;

    /** @return null, or why the head is unacceptable */
    String read(HeadLines h) {
        status = StatusLine.status(h);
        if (status < 0) {
            return "invalid status line";
        }
        boolean http10 = StatusLine.http10(h);
        String error = fields.read(h, noOwnFields);
        if (error != null) {
            return error;
        }
        contentLength = fields.contentLength;
        chunked = false;
        boolean framingConflict = false;
        if (fields.transferEncodings > 0) {
            if (fields.transferEncodings > 1 || fields.coding == FieldRules.Coding.MALFORMED) {
                return "invalid Transfer-Encoding";
            }
            // A coding other than chunked last is read until the close.
            chunked = fields.coding != FieldRules.Coding.NOT_CHUNKED;
            if (contentLength >= 0) {
                // The Content-Length does not go on.
                contentLength = -1;
                framingConflict = true;
            }
            if (!chunked) {
                contentLength = -1;
            }
        }
        // RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing; close after it.
        keepAlive = fields.keepsConnection(h, http10) && !(http10 && fields.transferEncodings > 0) && !framingConflict;
        return null;
    }

    /** After {@link #read}: whether the head switches to WebSocket (see {@link ConnectionHeaders#webSocketUpgrade}). */
    boolean webSocketUpgrade(HeadLines h) {
        return fields.webSocketUpgrade(h);
    }

    /** Whether codings other than chunked were applied (gzip, chunked). */
    boolean codedBeyondChunked() {
        return fields.coding == FieldRules.Coding.CHUNKED_AFTER_OTHERS;
    }
}
