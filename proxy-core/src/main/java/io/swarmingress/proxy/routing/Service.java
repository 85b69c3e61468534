package io.swarmingress.proxy.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.swarmingress.config.RetryPolicy;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.Timeouts;
import io.swarmingress.proxy.metrics.ServiceMeters;

/**
 * A service as the data plane sees it in one routing table: its endpoints, their balancer, the
 * passive health of its endpoints and the budget its retries draw on.
 */
public final class Service {
    private final ServiceConfig config;
    private final List<Endpoint> endpoints;
    /** Endpoints that left this service with requests still in flight when the table was built. */
    private final List<Endpoint> draining;
    private final LoadBalancer loadBalancer;
    private final OutlierDetector outliers;
    private final ServiceMeters meters;
    /** Requests in flight and retries among them, over every table this service is in: the retry budget's base. */
    private final AtomicInteger inFlight;
    private final AtomicInteger retrying;

    Service(ServiceConfig config, List<Endpoint> endpoints, ServiceMeters meters, Service previous) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.draining = previous == null ? List.of() : stillDraining(previous, this.endpoints);
        this.loadBalancer = LoadBalancer.of(config.lb(), this.endpoints);
        this.outliers = new OutlierDetector(config.outlier(), this.endpoints, meters.ejections());
        this.meters = meters;
        this.inFlight = previous == null ? new AtomicInteger() : previous.inFlight;
        this.retrying = previous == null ? new AtomicInteger() : previous.retrying;
    }

    public String name() {
        return config.name();
    }

    public ServiceConfig config() {
        return config;
    }

    public Timeouts timeouts() {
        return config.timeouts();
    }

    public RetryPolicy retryPolicy() {
        return config.retry();
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Endpoints that left the service and were still serving requests when this table was built,
     * for the dashboard: they take no new requests, and those in flight finish within the drain
     * time. Read {@link Endpoint#active()} to see whether one still is; the list is pruned at the
     * next table, so it stays bounded by what was in flight.
     */
    public List<Endpoint> draining() {
        return draining;
    }

    /** Built off the event loops with the table: the data plane does nothing to keep this list. */
    private static List<Endpoint> stillDraining(Service previous, List<Endpoint> kept) {
        List<Endpoint> out = new ArrayList<>();
        for (List<Endpoint> list : List.of(previous.draining, previous.endpoints)) {
            for (Endpoint e : list) {
                if (e.active() > 0 && !kept.contains(e) && !out.contains(e)) {
                    out.add(e);
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * @param now the caller's clock, in nanoseconds
     * @return null when the service has no endpoints (503)
     */
    public Endpoint pick(long now) {
        return loadBalancer.pick(now, null);
    }

    /** Another endpoint than {@code avoid} when one will do: where a retry goes. */
    public Endpoint pickOther(long now, Endpoint avoid) {
        return loadBalancer.pick(now, avoid);
    }

    public ServiceMeters meters() {
        return meters;
    }

    /** A connect to the endpoint failed (counted, and passive health told). */
    public void connectFailed(Endpoint e, long now) {
        meters.connectErrors().increment();
        outliers.failed(e, now);
    }

    /** The connection to the endpoint reset or closed before a response head. */
    public void resetBeforeResponse(Endpoint e, long now) {
        outliers.failed(e, now);
    }

    /** A response head came from the endpoint. */
    public void responded(Endpoint e, int status, long now) {
        outliers.responded(e, status, now);
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /**
     * Takes a place in the retry budget: retries in flight stay below the policy's share of the
     * requests in flight (at least 3), so a failing service is not flooded with retries.
     *
     * @return false when the budget is spent (no retry)
     */
    public boolean startRetry() {
        int allowed = Math.max(3, inFlight.get() * config.retry().budgetPercent() / 100);
        while (true) {
            int now = retrying.get();
            if (now >= allowed) {
                return false;
            }
            if (retrying.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    public void retryEnded() {
        retrying.decrementAndGet();
    }
}
