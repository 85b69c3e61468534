package io.swarmingress.proxy.routing;

import java.util.concurrent.TimeUnit;

/**
 * An endpoint's latency estimate for {@code lb: p2c}, after Finagle's and Linkerd's peak EWMA: a
 * response slower than the estimate replaces it at once (the peak), a faster one pulls it down
 * gradually, weighted by the time since the last observation rather than by a count of samples,
 * so a busy endpoint and a quiet one forget at the same pace. Read between observations, the
 * estimate also decays toward zero: an endpoint that was avoided for being slow is tried again
 * after a while, and its next response tells whether it still is. That is how a slow endpoint
 * loses its traffic within one response, and gets it back when it recovers, without ever being
 * ejected.
 *
 * <p>Written from every event loop without a lock: the estimate and its time are two volatile
 * fields, and two observations racing may lose one of them, which a moving estimate can afford.
 */
final class PeakEwma {
    /** The decay time constant (Finagle's and Linkerd's default): an observation weighs 1/e after this long. */
    static final long DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Nanoseconds as double bits; 0 while nothing was observed. */
    private volatile long estimateBits;
    private volatile long stamp;

    /** A response head came {@code rttNanos} after the request was sent, at {@code now}. */
    void observe(long rttNanos, long now) {
        double rtt = Math.max(rttNanos, 0);
        double previous = Double.longBitsToDouble(estimateBits);
        double next;
        if (rtt >= previous) {
            next = rtt;
        } else {
            double w = Math.exp(-Math.max(now - stamp, 0) / (double) DECAY_NANOS);
            next = previous * w + rtt * (1 - w);
        }
        stamp = now;
        estimateBits = Double.doubleToRawLongBits(next);
    }

    /** The estimate at {@code now}, in nanoseconds: decayed toward 0 since the last observation; 0 when none. */
    double estimate(long now) {
        double e = Double.longBitsToDouble(estimateBits);
        long elapsed = now - stamp;
        return e == 0 || elapsed <= 0 ? e : e * Math.exp(-elapsed / (double) DECAY_NANOS);
    }
}
