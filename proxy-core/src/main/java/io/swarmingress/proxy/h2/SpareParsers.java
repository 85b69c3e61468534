package io.swarmingress.proxy.h2;

import java.util.ArrayDeque;

import io.swarmingress.proxy.wire.RequestParser;

/**
 * The request parsers an HTTP/2 connection keeps between its streams. Each stream holds one for
 * its whole exchange (a retry sends the parsed head again), so a busy connection needs as many as
 * it has streams open.
 *
 * <p>Why the two limits: while the connection is busy it keeps up to {@value #BUSY} spares, as
 * many as it may have streams open, because streams end and start in batches (a client that reads
 * 100 answers in one read sends 100 new requests in the next), and with a smaller store most of a
 * batch was built afresh: under {@code h2load -m 100}, new parsers were 15 % of all the bytes the
 * proxy allocated. Once no stream is open it keeps {@value #IDLE}, so an idle connection holds
 * little; and a parser whose buffers grew for a large head is dropped, not kept, so that a client
 * cannot make the connection hold 128 grown parsers after their streams ended.
 */
final class SpareParsers {
    static final int BUSY = H2Settings.MAX_CONCURRENT_STREAMS;
    static final int IDLE = 2;

    private final ArrayDeque<RequestParser> spares = new ArrayDeque<>();
    /** A field only the proxy may send upstream (a client certificate's subject), or null. */
    private final String ownedField;

    SpareParsers(String ownedField) {
        this.ownedField = ownedField;
    }

    /** A parser for a new stream: a spare, or a new one. */
    RequestParser take() {
        RequestParser parser = spares.pollLast();
        if (parser == null) {
            parser = new RequestParser();
            parser.ownField(ownedField);
        }
        return parser;
    }

    /** A stream no longer needs its parser: kept unless the store is full or the parser grew for a large head. */
    void giveBack(RequestParser parser) {
        if (spares.size() < BUSY && parser.holdsLittle()) {
            parser.reset();
            spares.addLast(parser);
        }
    }

    /** The connection has no stream open: keeps only a few. */
    void connectionIdle() {
        while (spares.size() > IDLE) {
            spares.pollFirst();
        }
    }

    int size() {
        return spares.size();
    }
}
