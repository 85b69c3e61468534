package io.swarmingress.proxy.routing;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.swarmingress.config.HostPort;

/**
 * One upstream address of one service, with the live state the data plane keeps about it: the
 * requests (HTTP) or connections (TCP) it is serving, whether it is ejected for failing (passive
 * health) or failing its checks (active health), whether it is only a fallback (a task Swarm is
 * replacing, still running), whether it has left the service (draining) and how fast it has been
 * answering (its peak EWMA latency, for {@code lb: p2c}). The same instance is
 * carried from one routing table to the next while the address stays in its service, so all of
 * this survives reloads and discovery updates.
 *
 * <p>Shared by every event loop: counters are atomic, states volatile, and a pick reads them
 * without a lock.
 */
public final class Endpoint {
    /** Active health: no checks configured, or the checks pass... */
    public static final int HEALTHY = 0;
    /** ...checks configured but none passed yet (a new endpoint gets no traffic)... */
    public static final int NOT_YET_HEALTHY = 1;
    /** ...or the checks fail. */
    public static final int UNHEALTHY = 2;

    private final HostPort address;
    private final InetSocketAddress socketAddress;
    private final AtomicInteger active = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    final AtomicInteger consecutive5xx = new AtomicInteger();
    final AtomicInteger ejections = new AtomicInteger();
    private volatile boolean ejected;
    private volatile long ejectedUntil;
    /** Back from an ejection, a request is on trial: others wait for its answer. */
    private volatile boolean trialTaken;
    private volatile int health = HEALTHY;
    private volatile boolean fallback;
    private volatile boolean removed;
    private final PeakEwma latency = new PeakEwma();

    /** Resolves the address here, off the event loops: a name lookup must never block one. */
    Endpoint(HostPort address) {
        this.address = address;
        InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
        this.socketAddress = resolved.isUnresolved()
                ? InetSocketAddress.createUnresolved(address.host(), address.port()) : resolved;
    }

    public HostPort address() {
        return address;
    }

    /**
     * Unresolved when the name did not resolve when the table was built; connecting then fails at
     * once with 502 (the connect bootstraps have no resolver, so no lookup happens on a loop).
     */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public int active() {
        return active.get();
    }

    public void acquire() {
        active.incrementAndGet();
    }

    public void release() {
        active.decrementAndGet();
    }

    /**
     * Takes a request picked at {@code now}; true when it is the trial of an endpoint back from
     * an ejection (see {@link #available}), which {@link #release(boolean)} must then say.
     */
    public boolean acquire(long now) {
        active.incrementAndGet();
        if (ejected && now - ejectedUntil >= 0 && !trialTaken) {
            trialTaken = true;
            return true;
        }
        return false;
    }

    /** The request taken by {@link #acquire(long)} ended; a trial that ended without an answer lets another try. */
    public void release(boolean trial) {
        active.decrementAndGet();
        if (trial) {
            trialTaken = false;
        }
    }

    /**
     * Whether a pick may choose it now: healthy, not a mere fallback, and not ejected. Once an
     * ejection's time is over the endpoint is on trial until it answers ({@link #answered}): it
     * takes one HTTP request ({@link #acquire(long)}) and no other until that one has its answer
     * or ends. An endpoint on a node that is gone would otherwise take a request from every client
     * the moment its ejection ends (a round robin reaches it within a few requests of each), and
     * each would wait the connect timeout; on trial, one does. (Requests it still holds from before
     * do not count: a long download or a WebSocket must not keep a healthy endpoint out.)
     */
    public boolean available(long now) {
        return health == HEALTHY && !fallback && (!ejected || (now - ejectedUntil >= 0 && !trialTaken));
    }

    /** Whether it is ejected at {@code now}. */
    public boolean ejected(long now) {
        return ejected && now - ejectedUntil < 0;
    }

    /** It answered (a response head, a TCP connect): once its ejection's time is over, the trial ends. */
    void answered(long now) {
        if (ejected && now - ejectedUntil >= 0) {
            ejected = false;
            trialTaken = false;
        }
    }

    /** Takes it out of rotation until {@code until}; false when it was out already (nothing to count). */
    boolean eject(long now, long until) {
        if (ejected(now)) {
            return false;
        }
        ejectedUntil = until;
        ejected = true;
        trialTaken = false;
        return true;
    }

    /** A response head came {@code rttNanos} after the request was sent (for {@code lb: p2c}). */
    void observeLatency(long rttNanos, long now) {
        latency.observe(rttNanos, now);
    }

    /** The peak EWMA latency estimate at {@code now}, in nanoseconds; 0 before the first response. */
    double latency(long now) {
        return latency.estimate(now);
    }

    public int health() {
        return health;
    }

    /** Set by the active health checker. */
    public void health(int state) {
        this.health = state;
    }

    public boolean fallback() {
        return fallback;
    }

    /** A task Swarm is replacing but that still runs: used only when no other endpoint is available. */
    void fallback(boolean fallback) {
        this.fallback = fallback;
    }

    /** Whether it has left its service: no new requests; those in flight finish within the drain time. */
    public boolean removed() {
        return removed;
    }

    void remove() {
        removed = true;
    }

    /** One word for people: healthy, ejected, not_yet_healthy, unhealthy, fallback or draining. */
    public String state(long now) {
        if (removed) {
            return "draining";
        }
        if (ejected(now)) {
            return "ejected";
        }
        if (health == NOT_YET_HEALTHY) {
            return "not_yet_healthy";
        }
        if (health == UNHEALTHY) {
            return "unhealthy";
        }
        return fallback ? "fallback" : "healthy";
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
