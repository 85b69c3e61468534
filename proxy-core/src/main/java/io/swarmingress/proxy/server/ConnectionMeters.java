package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;

/**
 * An entrypoint's connection meters: connections open now, bytes read and written. Handlers sum
 * bytes in plain fields and add them here once per read batch or flush, so the shared adders see a
 * few updates per batch instead of one per buffer.
 */
public final class ConnectionMeters {
    private final AtomicInteger open;
    private final Counter bytesIn;
    private final Counter bytesOut;

    public ConnectionMeters(AtomicInteger open, Counter bytesIn, Counter bytesOut) {
        this.open = open;
        this.bytesIn = bytesIn;
        this.bytesOut = bytesOut;
    }

    public void opened() {
        open.incrementAndGet();
    }

    public void closed() {
        open.decrementAndGet();
    }

    public void read(long bytes) {
        if (bytes > 0) {
            bytesIn.increment(bytes);
        }
    }

    public void written(long bytes) {
        if (bytes > 0) {
            bytesOut.increment(bytes);
        }
    }
}
