package io.swarmingress.proxy.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/**
 * Reads, for the dashboard, the very meters Prometheus scrapes: the request counters, the latency
 * histogram and the open-connection gauges. The dashboard has no meter of its own, so it adds
 * nothing to a request's path; a reading walks the registry, which is fine once a second on the
 * admin thread. Counts are cumulative since the proxy started, as in {@code /metrics}; rates are
 * differences of two readings.
 */
public final class MeterReadings {
    private MeterReadings() {
    }

    /**
     * One service's requests since the start, over all entrypoints.
     *
     * @param requests responses, whatever their status
     * @param serverErrors responses with a 5xx status (the proxy's own 502/503/504 included)
     * @param latency the latency histogram, cumulative
     */
    public record ServiceTraffic(long requests, long serverErrors, Histogram latency) {
        public ServiceTraffic {
            if (requests < 0 || serverErrors < 0 || serverErrors > requests) {
                throw new IllegalArgumentException("requests " + requests + ", server errors " + serverErrors
                        + " (expected: 0 <= errors <= requests)");
            }
        }
    }

    /**
     * A cumulative latency histogram: {@code counts[i]} requests took at most {@code boundsSeconds[i]},
     * {@code total} is every request (those slower than the last bound included).
     */
    public record Histogram(double[] boundsSeconds, long[] counts, long total) {
        public static final Histogram EMPTY = new Histogram(new double[0], new long[0], 0);

        public Histogram {
            if (boundsSeconds.length != counts.length) {
                throw new IllegalArgumentException(boundsSeconds.length + " bounds, " + counts.length + " counts (expected: as many)");
            }
            boundsSeconds = boundsSeconds.clone();
            counts = counts.clone();
        }

        /** This histogram plus another of the same bounds (or an empty one). */
        Histogram plus(Histogram other) {
            if (other.counts.length == 0) {
                return this;
            }
            if (counts.length == 0) {
                return other;
            }
            if (!Arrays.equals(boundsSeconds, other.boundsSeconds)) {
                throw new IllegalArgumentException("different bounds");
            }
            long[] sum = counts.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.counts[i];
            }
            return new Histogram(boundsSeconds, sum, total + other.total);
        }

        /** What was added between an earlier reading and this one (zero where a series restarted). */
        public Histogram since(Histogram earlier) {
            if (earlier.counts.length != counts.length) {
                return this;
            }
            long[] delta = new long[counts.length];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = Math.max(0, counts[i] - earlier.counts[i]);
            }
            return new Histogram(boundsSeconds, delta, Math.max(0, total - earlier.total));
        }

        /**
         * The {@code q} quantile in seconds, interpolated inside its bucket as Prometheus's
         * {@code histogram_quantile} does; the last bound when it lies beyond it; NaN without requests.
         */
        public double quantile(double q) {
            if (total <= 0 || counts.length == 0) {
                return Double.NaN;
            }
            double rank = q * total;
            long below = 0;
            double lower = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] >= rank) {
                    long inBucket = counts[i] - below;
                    if (inBucket <= 0) {
                        return boundsSeconds[i];
                    }
                    return lower + (boundsSeconds[i] - lower) * (rank - below) / inBucket;
                }
                below = counts[i];
                lower = boundsSeconds[i];
            }
            return boundsSeconds[boundsSeconds.length - 1];
        }
    }

    /** Every service's traffic (requests that matched no route under {@code "none"}). */
    public static Map<String, ServiceTraffic> byService(MeterRegistry registry) {
        Map<String, long[]> counts = new HashMap<>();
        for (Counter c : registry.find(IngressMetrics.REQUESTS).counters()) {
            String service = c.getId().getTag("service");
            String code = c.getId().getTag("code");
            long n = (long) c.count();
            long[] sum = counts.computeIfAbsent(service, k -> new long[2]);
            sum[0] += n;
            if (code != null && code.length() == 3 && code.charAt(0) == '5') {
                sum[1] += n;
            }
        }
        Map<String, Histogram> latency = new HashMap<>();
        for (Timer t : registry.find(IngressMetrics.REQUEST_DURATION).timers()) {
            latency.merge(t.getId().getTag("service"), histogram(t.takeSnapshot()), Histogram::plus);
        }
        Map<String, ServiceTraffic> out = new HashMap<>();
        counts.forEach((service, sum) -> out.put(service,
                new ServiceTraffic(sum[0], Math.min(sum[0], sum[1]), latency.getOrDefault(service, Histogram.EMPTY))));
        return out;
    }

    /**
     * A timer's snapshot as a histogram. Micrometer reads a timer's count and its buckets one after
     * the other while requests are being recorded, so the two can disagree by the requests recorded
     * in between; read as "slower than the last bound", one such request made a quiet interval's p99
     * jump to 30 s. When the timer's recent maximum lies within the last bound, no request can be
     * beyond it, and the buckets alone give the total.
     */
    static Histogram histogram(HistogramSnapshot snapshot) {
        CountAtBucket[] buckets = snapshot.histogramCounts();
        double[] bounds = new double[buckets.length];
        long[] counts = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.SECONDS);
            counts[i] = (long) buckets[i].count();
        }
        boolean noneBeyond = buckets.length > 0 && snapshot.max(TimeUnit.SECONDS) <= bounds[bounds.length - 1];
        return new Histogram(bounds, counts, noneBeyond ? counts[counts.length - 1] : snapshot.count());
    }

    /** Client connections open now, by entrypoint. */
    public static Map<String, Integer> openConnections(MeterRegistry registry) {
        Map<String, Integer> out = new HashMap<>();
        for (Gauge g : registry.find(IngressMetrics.OPEN_CONNECTIONS).gauges()) {
            out.merge(g.getId().getTag("entrypoint"), (int) g.value(), Integer::sum);
        }
        return out;
    }
}
