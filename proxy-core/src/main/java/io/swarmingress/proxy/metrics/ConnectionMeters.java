package io.swarmingress.proxy.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;

/**
 * An entrypoint's connection meters: connections open now, bytes read and written, clients cut
 * off by a deadline, connections refused at the limit, connections closed for want of a valid
 * PROXY protocol header, how many streams each HTTP/2 connection carried and, on a TLS passthrough
 * entrypoint, how each ClientHello ended. Handlers sum bytes in plain fields and
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

    /** Why a connection to an entrypoint that requires a PROXY protocol header was closed before it got one. */
    public enum ProxyProtocolError {
        /** What came was not a valid v1 or v2 header (or was larger than allowed). */
        INVALID,
        /** No complete header within the entrypoint's request_header_timeout. */
        TIMEOUT
    }

    private final AtomicInteger open;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter[] timeouts;
    private final Counter rejected;
    private final Counter[] proxyProtocolErrors;
    private final DistributionSummary streams;
    private final Function<String, Counter> passthroughCounter;
    private final Map<String, Counter> passthrough = new ConcurrentHashMap<>();

    ConnectionMeters(AtomicInteger open, Counter bytesIn, Counter bytesOut, Counter[] timeouts, Counter rejected,
                     Counter[] proxyProtocolErrors, DistributionSummary streams, Function<String, Counter> passthroughCounter) {
        this.passthroughCounter = passthroughCounter;
        this.open = open;
        this.bytesIn = bytesIn;
        this.bytesOut = bytesOut;
        this.timeouts = timeouts;
        this.rejected = rejected;
        this.proxyProtocolErrors = proxyProtocolErrors;
        this.streams = streams;
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

    /** An HTTP/2 connection closed after carrying {@code count} streams (requests). */
    public void streamsPerConnection(int count) {
        streams.record(count);
    }

    /** A connection closed because it did not start with a valid PROXY protocol header in time. */
    public void proxyProtocolError(ProxyProtocolError reason) {
        proxyProtocolErrors[reason.ordinal()].increment();
    }
}
