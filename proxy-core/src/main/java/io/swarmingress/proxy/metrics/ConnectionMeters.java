package io.swarmingress.proxy.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;

/**
 * An entrypoint's connection meters: connections open now, bytes read and written, clients cut
 * off by a deadline and connections refused at the limit. Handlers sum bytes in plain fields and
 * add them here once per read batch or flush, so the shared adders see a few updates per batch
 * instead of one per buffer.
 */
public final class ConnectionMeters {
    /** Which client deadline closed a connection. */
    public enum Deadline {
        /** Quiet for the idle timeout between requests. */
        IDLE,
        /** The request head took longer than the header timeout (slowloris). */
        HEADER,
        /** The request body came slower than the minimum rate allows (slow POST). */
        BODY
    }

    private final AtomicInteger open;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter[] timeouts;
    private final Counter rejected;
    private final Function<String, Counter> passthroughCounter;
    private final Map<String, Counter> passthrough = new ConcurrentHashMap<>();

    ConnectionMeters(AtomicInteger open, Counter bytesIn, Counter bytesOut, Counter[] timeouts, Counter rejected,
                     Function<String, Counter> passthroughCounter) {
        this.passthroughCounter = passthroughCounter;
        this.open = open;
        this.bytesIn = bytesIn;
        this.bytesOut = bytesOut;
        this.timeouts = timeouts;
        this.rejected = rejected;
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

    public void timedOut(Deadline deadline) {
        timeouts[deadline.ordinal()].increment();
    }

    /** How the ClientHello of a TLS passthrough connection ended: routed, unknown_name, not_tls, invalid, timeout. */
    public void passthrough(String result) {
        passthrough.computeIfAbsent(result, passthroughCounter).increment();
    }

    /** A connection closed at accept because the entrypoint had {@code max_connections} open. */
    public void rejected() {
        rejected.increment();
    }
}
