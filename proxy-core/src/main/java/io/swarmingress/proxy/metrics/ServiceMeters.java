package io.swarmingress.proxy.metrics;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;

/**
 * A service's meters beside its requests: failed connects, ejections by passive health, and
 * retries by what caused them. Resolved once per service name, so the hot path holds counters.
 */
public final class ServiceMeters {
    /** What made a request go to another endpoint. */
    public enum RetryReason {
        CONNECT_FAILURE, RESET, STATUS_502, STATUS_503;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Counter connectErrors;
    private final Counter ejections;
    private final Map<RetryReason, Counter> retries;

    ServiceMeters(Counter connectErrors, Counter ejections, Map<RetryReason, Counter> retries) {
        this.connectErrors = connectErrors;
        this.ejections = ejections;
        this.retries = new EnumMap<>(retries);
    }

    public Counter connectErrors() {
        return connectErrors;
    }

    public Counter ejections() {
        return ejections;
    }

    public void retried(RetryReason reason) {
        retries.get(reason).increment();
    }
}
