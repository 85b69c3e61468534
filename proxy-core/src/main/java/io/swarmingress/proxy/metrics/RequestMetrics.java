package io.swarmingress.proxy.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The request counters and latency histogram of one (entrypoint, service) pair, resolved once
 * when a routing table is built so the hot path never looks a meter up by name: a finished
 * request is one array read, one adder increment and one histogram record.
 */
public final class RequestMetrics {
    private final MeterRegistry registry;
    private final String entrypoint;
    private final String service;
    private final Timer duration;
    /** By protocol, then status: {@code protocol.ordinal() * 600 + status}. */
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600 * RequestProtocol.values().length);
    private final AtomicInteger upgraded;

    RequestMetrics(MeterRegistry registry, String entrypoint, String service, Timer duration, AtomicInteger upgraded) {
        this.registry = registry;
        this.entrypoint = entrypoint;
        this.service = service;
        this.duration = duration;
        this.upgraded = upgraded;
    }

    /** A connection switched protocols (a WebSocket) and is relayed as bytes until it closes. */
    public void upgradeOpened() {
        upgraded.incrementAndGet();
    }

    /** An upgraded connection closed. */
    public void upgradeClosed() {
        upgraded.decrementAndGet();
    }

    /** An HTTP/1 request. @param nanos from the request head to the end of the response, on the caller's clock */
    public void record(int status, long nanos) {
        record(RequestProtocol.HTTP1, status, nanos);
    }

    /**
     * @param nanos from the request head to the end of the response, on the caller's clock (the
     *              latency histogram has no protocol label: its buckets would be multiplied by four)
     */
    public void record(RequestProtocol protocol, int status, long nanos) {
        counter(protocol, status).increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    Counter counter(RequestProtocol protocol, int status) {
        int code = status >= 100 && status < 600 ? status : 0;
        int index = protocol.ordinal() * 600 + code;
        Counter c = byStatus.get(index);
        if (c == null) {
            c = Counter.builder(IngressMetrics.REQUESTS)
                    .description("HTTP requests answered, by entrypoint, service, status code and protocol (http1, h2, ws, grpc)")
                    .tag("entrypoint", entrypoint)
                    .tag("service", service)
                    .tag("code", code == 0 ? "other" : Integer.toString(code))
                    .tag("protocol", protocol.label())
                    .register(registry);
            byStatus.set(index, c);
        }
        return c;
    }
}
