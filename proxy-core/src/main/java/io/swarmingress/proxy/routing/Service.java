package io.swarmingress.proxy.routing;

import java.util.ArrayList;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.util.AsciiString;
import io.swarmingress.config.HashOn;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.RetryPolicy;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.Timeouts;
import io.swarmingress.proxy.metrics.ServiceMeters;

/**
 * A service as the data plane sees it in one routing table: its endpoints, their balancer, its
 * sticky-session cookies, the passive health of its endpoints and the budget its retries draw on.
 *
 * <p>A request's endpoint: the one its sticky cookie names, while that one is in the service and
 * available; else the balancer's pick, keyed by the request's hash key for {@code lb: hash}.
 */
public final class Service {
    private static final AsciiString COOKIE = AsciiString.cached("cookie");

    private final ServiceConfig config;
    private final List<Endpoint> endpoints;
    /** Endpoints that left this service with requests still in flight when the table was built. */
    private final List<Endpoint> draining;
    private final LoadBalancer loadBalancer;
    /** Null without sticky sessions. */
    private final StickyCookies sticky;
    /** Null unless {@code lb: hash}. */
    private final HashOn hashOn;
    /** The header {@code hash_on: header:NAME} reads; null otherwise. */
    private final AsciiString hashHeader;
    private final boolean measuresLatency;
    private final OutlierDetector outliers;
    private final ServiceMeters meters;
    /** Requests in flight and retries among them, over every table this service is in: the retry budget's base. */
    private final AtomicInteger inFlight;
    private final AtomicInteger retrying;

    Service(ServiceConfig config, List<Endpoint> endpoints, ServiceMeters meters, Service previous) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.draining = previous == null ? List.of() : stillDraining(previous, this.endpoints);
        int[] weights = new int[this.endpoints.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = config.balancing().weight(this.endpoints.get(i).address());
        }
        this.loadBalancer = LoadBalancer.of(config.lb(), this.endpoints, weights);
        this.sticky = config.balancing().sticky() == null ? null
                : new StickyCookies(config.name(), config.balancing().sticky(), this.endpoints);
        this.hashOn = config.balancing().hashOn();
        this.hashHeader = hashOn != null && hashOn.source() == HashOn.Source.HEADER ? AsciiString.cached(hashOn.name()) : null;
        this.measuresLatency = config.lb() == LbPolicy.P2C;
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
     * The balancer's pick, without a request to key it or a cookie to follow (a tcp connection of
     * a service that does not hash).
     *
     * @param now the caller's clock, in nanoseconds
     * @return null when the service has no endpoints (503)
     */
    public Endpoint pick(long now) {
        return loadBalancer.pick(now, null, 0);
    }

    /**
     * The endpoint for an HTTP request: the one its sticky cookie names while that one is
     * present and available, else the balancer's pick. When none is available and the balancer
     * falls back to them all, a session keeps the endpoint its cookie names: under that rule any
     * endpoint is a guess, and this guess does not move the session.
     *
     * @param hashKey the request's {@link #hashKey}
     * @return null when the service has no endpoints (503)
     */
    public Endpoint pick(long now, RequestHeaders request, long hashKey) {
        if (sticky == null) {
            return loadBalancer.pick(now, null, hashKey);
        }
        Endpoint named = sticky.named(request);
        if (named != null && named.available(now)) {
            return named;
        }
        Endpoint picked = loadBalancer.pick(now, null, hashKey);
        return named != null && picked != null && !picked.available(now) ? named : picked;
    }

    /** Another endpoint than {@code avoid} when one will do: where a retry goes. */
    public Endpoint pickOther(long now, Endpoint avoid) {
        return loadBalancer.pick(now, avoid, 0);
    }

    /**
     * Another endpoint than {@code avoid} when one will do, for a request or connection with this
     * hash key: under {@code lb: hash}, the key's next endpoint.
     */
    public Endpoint pickOther(long now, Endpoint avoid, long hashKey) {
        return loadBalancer.pick(now, avoid, hashKey);
    }

    /**
     * The request's key for {@code lb: hash}; 0 under other policies. A request without the header
     * or cookie hashed on gets a random key: spread like round robin, stuck to nothing.
     *
     * @param path the canonical path the request was routed on
     * @param clientKey {@link HashKeys#of(InetSocketAddress)} of the client, for {@code hash_on: client_address}
     */
    public long hashKey(RequestHeaders request, String path, long clientKey) {
        if (hashOn == null) {
            return 0;
        }
        switch (hashOn.source()) {
            case CLIENT_ADDRESS:
                return clientKey;
            case PATH:
                return HashKeys.of(path);
            case HEADER: {
                String value = request.get(hashHeader);
                return value == null ? ThreadLocalRandom.current().nextLong() : HashKeys.of(value);
            }
            case COOKIE:
            default: {
                String line = request.get(COOKIE);
                int start = line == null ? -1 : StickyCookies.valueStart(line, hashOn.name());
                return start < 0 ? ThreadLocalRandom.current().nextLong()
                        : HashKeys.of(line, start, StickyCookies.valueEnd(line, start));
            }
        }
    }

    /** The hash key of a tcp connection from {@code client}: its address under {@code lb: hash}, else 0. */
    public long connectionKey(InetSocketAddress client) {
        return hashOn == null ? 0 : HashKeys.of(client);
    }

    /** Whether the request's sticky cookie names an endpoint of this service that is present and available. */
    public boolean stuck(RequestHeaders request, long now) {
        if (sticky == null) {
            return false;
        }
        Endpoint named = sticky.named(request);
        return named != null && named.available(now);
    }

    /**
     * The Set-Cookie value the response from {@code served} adds: one naming it, unless the
     * request's cookie already did (or the service has no sticky sessions: null).
     */
    public String stickyCookie(Endpoint served, RequestHeaders request) {
        if (sticky == null || served == null || sticky.named(request) == served) {
            return null;
        }
        return sticky.setCookie(served);
    }

    public ServiceMeters meters() {
        return meters;
    }

    /** A connect to the endpoint failed (counted, and passive health told). */
    public void connectFailed(Endpoint e, long now) {
        meters.connectErrors().increment();
        outliers.failed(e, now);
    }

    /** A TCP relay's connect to the endpoint succeeded: the connection is its answer ({@link Endpoint#available}). */
    public void connected(Endpoint e, long now) {
        e.answered(now);
    }

    /** The connection to the endpoint reset or closed before a response head. */
    public void resetBeforeResponse(Endpoint e, long now) {
        outliers.failed(e, now);
    }

    /** A response head came from the endpoint. */
    public void responded(Endpoint e, int status, long now) {
        outliers.responded(e, status, now);
    }

    /**
     * A response head came from the endpoint {@code latencyNanos} after the request was sent
     * (on the loop's ticker): passive health hears of it, and {@code lb: p2c} learns the latency.
     */
    public void responded(Endpoint e, int status, long now, long latencyNanos) {
        outliers.responded(e, status, now);
        // A quick 5xx is no sign of a fast endpoint: counting it would draw traffic to a failing one.
        if (measuresLatency && status < 500) {
            e.observeLatency(latencyNanos, now);
        }
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
