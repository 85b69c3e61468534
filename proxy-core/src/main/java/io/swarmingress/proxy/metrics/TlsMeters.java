package io.swarmingress.proxy.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * One TLS entrypoint's handshake meters: handshakes by result and how long the successful ones
 * took, from accept to the handshake's end (what a client waits before its first request can go).
 */
public final class TlsMeters {
    /** How a handshake ended. */
    public enum Result {
        /** A full handshake: key exchange and a certificate signature. */
        FULL("full"),
        /** Resumed from a session ticket or the session cache: no certificate signature. */
        RESUMED("resumed"),
        /** Refused or broken: plaintext on a TLS port, an unknown name with sni_strict, a protocol or cipher mismatch, a timeout. */
        FAILED("failed");

        private final String label;

        Result(String label) {
            this.label = label;
        }
    }

    /** Buckets from 0.5 ms to 10 s: a resumed loopback handshake takes well under a millisecond, a slow client seconds. */
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final Map<Result, Counter> handshakes = new EnumMap<>(Result.class);
    private final Timer duration;

    TlsMeters(MeterRegistry registry, String entrypoint) {
        for (Result r : Result.values()) {
            handshakes.put(r, Counter.builder("ingress.tls.handshakes")
                    .description("TLS handshakes on an entrypoint, by result: full, resumed or failed")
                    .tag("entrypoint", entrypoint)
                    .tag("result", r.label)
                    .register(registry));
        }
        this.duration = Timer.builder("ingress.tls.handshake.duration")
                .description("Time from accept to the end of a successful TLS handshake, by entrypoint")
                .tag("entrypoint", entrypoint)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    public void handshake(Result result, long nanos) {
        handshakes.get(result).increment();
        if (result != Result.FAILED) {
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
