package io.swarmingress.proxy.routing;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Power of two choices with peak EWMA (Finagle's and Linkerd's latency-aware balancer): draw two
 * different endpoints at random, in proportion to their weights, and take the cheaper, where an
 * endpoint's cost is its latency estimate ({@link PeakEwma}) times its load,
 * {@code latency * (1 + inFlight / weight)}. Two random choices instead of the global minimum
 * keep proxies and event loops from all herding onto the one endpoint that looked best a moment
 * ago, and still avoid the worst ones almost always (Mitzenmacher).
 *
 * <p>The load term divides by the weight so that, at equal latency, endpoints settle at in-flight
 * counts proportional to their weights, which is a share of requests proportional to the weights.
 * An endpoint that has not answered yet costs nothing while idle (it is tried at once) and a
 * penalty once a request is in flight to it (so a new endpoint does not take a burst before its
 * first answer tells what it is worth). No lock and no allocation: the draws come from the
 * thread's own random generator.
 */
final class PowerOfTwoChoices implements LoadBalancer {
    /** The cost of an endpoint that has not answered yet but has a request in flight: avoided while another will do. */
    static final double PENALTY = 1e15;

    private final Endpoint[] endpoints;
    private final int[] weights;
    /** Running sums of the weights, for a weighted draw; null when every endpoint weighs the same. */
    private final long[] cumulative;
    private final long total;
    /** Fixed for tests; null for the thread's own generator. */
    private final RandomGenerator random;

    PowerOfTwoChoices(Endpoint[] endpoints, int[] weights, RandomGenerator random) {
        this.endpoints = endpoints;
        this.weights = weights.clone();
        this.random = random;
        boolean equal = true;
        long sum = 0;
        long[] sums = new long[weights.length];
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            sums[i] = sum;
            equal &= weights[i] == weights[0];
        }
        this.cumulative = equal ? null : sums;
        this.total = sum;
    }

    @Override
    public Endpoint pick(long now, Endpoint avoid, long hash) {
        int n = endpoints.length;
        if (n == 1) {
            Endpoint only = endpoints[0];
            return only;
        }
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        int a = draw(r, -1);
        int b = draw(r, a);
        boolean usableA = usable(endpoints[a], avoid, now);
        boolean usableB = usable(endpoints[b], avoid, now);
        if (usableA && usableB) {
            return cost(b, now) < cost(a, now) ? endpoints[b] : endpoints[a];
        }
        if (usableA || usableB) {
            return endpoints[usableA ? a : b];
        }
        // Both drawn are out: the cheapest of the rest, as least_conn would scan.
        int best = -1;
        double bestCost = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (usable(endpoints[i], avoid, now)) {
                double c = cost(i, now);
                if (best < 0 || c < bestCost) {
                    best = i;
                    bestCost = c;
                }
            }
        }
        return best >= 0 ? endpoints[best] : LoadBalancer.panic(endpoints, a, avoid);
    }

    private static boolean usable(Endpoint e, Endpoint avoid, long now) {
        return e != avoid && e.available(now);
    }

    /** An endpoint index drawn in proportion to weight, other than {@code not} (or any, for -1). */
    private int draw(RandomGenerator r, int not) {
        int n = endpoints.length;
        if (cumulative == null) {
            if (not < 0) {
                return r.nextInt(n);
            }
            int i = r.nextInt(n - 1);
            return i >= not ? i + 1 : i;
        }
        if (not < 0) {
            return index(r.nextLong(total));
        }
        // Draw over the total without the excluded endpoint's span, then step over that span.
        long excludedEnd = cumulative[not];
        long excludedStart = excludedEnd - weights[not];
        long x = r.nextLong(total - weights[not]);
        return index(x < excludedStart ? x : x + weights[not]);
    }

    /** The endpoint whose span of the running sums holds {@code x}. */
    private int index(long x) {
        int i = Arrays.binarySearch(cumulative, x);
        // sums are span ends: x equal to an end belongs to the next span
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** {@code latency * (1 + inFlight / weight)}, in nanoseconds. */
    double cost(int i, long now) {
        Endpoint e = endpoints[i];
        int active = e.active();
        double latency = e.latency(now);
        double load = 1 + (double) active / weights[i];
        if (latency == 0) {
            return active == 0 ? 0 : PENALTY * load;
        }
        return latency * load;
    }
}
