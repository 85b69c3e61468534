package io.swarmingress.proxy.routing;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.swarmingress.config.OutlierPolicy;

/**
 * Passive health for one service: counts each endpoint's failures in a row and ejects it when the
 * policy says so, for a time that doubles with each ejection of the same endpoint (up to the
 * policy's maximum), never taking out more than the policy's share of the service (at least one).
 * Called from any event loop; an endpoint's counters are atomic and a race at worst ejects one
 * endpoint a moment early or late.
 */
final class OutlierDetector {
    private final OutlierPolicy policy;
    private final List<Endpoint> endpoints;
    private final Counter ejections;

    OutlierDetector(OutlierPolicy policy, List<Endpoint> endpoints, Counter ejections) {
        this.policy = policy;
        this.endpoints = endpoints;
        this.ejections = ejections;
    }

    /** A connect failure, or a reset or close before the response head. */
    void failed(Endpoint e, long now) {
        int limit = policy.consecutiveFailures();
        if (limit > 0 && e.consecutiveFailures.incrementAndGet() >= limit) {
            eject(e, now);
        }
    }

    /** A response head arrived. */
    void responded(Endpoint e, int status, long now) {
        e.consecutiveFailures.set(0);
        int limit = policy.consecutive5xx();
        if (status < 500 || limit == 0) {
            // Reachable, and not failing in a way that counts here: an ejected endpoint's trial is over.
            e.answered(now);
        }
        if (status >= 500) {
            if (limit > 0 && e.consecutive5xx.incrementAndGet() >= limit) {
                eject(e, now);
            }
        } else if (e.consecutive5xx.get() != 0) {
            e.consecutive5xx.set(0);
        }
    }

    private void eject(Endpoint e, long now) {
        int out = 0;
        for (Endpoint other : endpoints) {
            if (other.ejected(now)) {
                out++;
            }
        }
        int allowed = Math.max(1, endpoints.size() * policy.maxEjectionPercent() / 100);
        if (out >= allowed) {
            return;
        }
        int times = Math.min(e.ejections.get(), 20);
        long nanos = Math.min(policy.baseEjection().toNanos() << times, policy.maxEjection().toNanos());
        if (e.eject(now, now + nanos)) {
            e.ejections.incrementAndGet();
            e.consecutiveFailures.set(0);
            e.consecutive5xx.set(0);
            ejections.increment();
        }
    }
}
