package io.swarmingress.proxy.h2;

import java.util.concurrent.Executor;

/**
 * When an HTTP/2 client connection is flushed. What streams write is flushed once, after
 * everything else the event loop's turn does, so that many streams answering in one turn cost one
 * write to the socket; and also after every {@value #EVERY} whole responses, because a turn that
 * reads hundreds of upstream answers otherwise holds the first ones back until the last is read,
 * and the client gets them, and sends its next requests, in one large batch.
 */
final class ClientFlush {
    static final int EVERY = 32;

    private final Executor loop;
    private final Runnable flush;
    private final Runnable task = this::now;
    private boolean scheduled;
    private int responses;

    /** @param flush writes what the connection holds (flow-controlled frames included) to the socket */
    ClientFlush(Executor loop, Runnable flush) {
        this.loop = loop;
        this.flush = flush;
    }

    /** Something was written: flushed at the end of this turn of the loop. */
    void soon() {
        if (!scheduled) {
            scheduled = true;
            loop.execute(task);
        }
    }

    /** A stream's response was written whole. */
    void responseWritten() {
        if (++responses >= EVERY) {
            responses = 0;
            flush.run();
        }
        soon();
    }

    private void now() {
        scheduled = false;
        responses = 0;
        flush.run();
    }
}
