package io.swarmingress.proxy.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.swarmingress.proxy.metrics.MeterReadings.Histogram;
import io.swarmingress.proxy.metrics.MeterReadings.ServiceTraffic;

/**
 * The last minutes of each service's traffic, for the dashboard's charts: requests per second,
 * the share of 5xx responses and the p99 latency of every interval between two readings of the
 * meters. A fixed ring of {@code capacity} points, not a database; a service that leaves the
 * routing table leaves the history at the next sample, so memory is bounded by the table.
 *
 * <p>Confined to the admin event loop: it samples there and is read there, so it has no lock.
 */
final class TrafficHistory {
    /** Five minutes at one sample a second. */
    static final int DEFAULT_CAPACITY = 300;

    private final int capacity;
    private final long[] times;
    private final Map<String, Series> series = new HashMap<>();
    private int next;
    private int size;
    private Map<String, ServiceTraffic> previous;
    private long previousAt;

    TrafficHistory(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 2)");
        }
        this.capacity = capacity;
        this.times = new long[capacity];
    }

    /** One interval's figures; NaN where there is nothing to say (no requests: no error rate, no p99). */
    record Point(long atMillis, double requestsPerSecond, double errorRate, double p99Seconds) {
    }

    /** The rates of one service, slot by slot with {@link #times}. */
    private static final class Series {
        final double[] rps;
        final double[] errorRate;
        final double[] p99;

        Series(int capacity) {
            rps = filled(capacity);
            errorRate = filled(capacity);
            p99 = filled(capacity);
        }

        private static double[] filled(int n) {
            double[] a = new double[n];
            java.util.Arrays.fill(a, Double.NaN);
            return a;
        }
    }

    /**
     * Adds the interval since the previous reading. The first reading only sets the baseline.
     *
     * @param atMillis when the meters were read (wall clock, for the charts' time axis)
     * @param readings the cumulative counts of every service, as {@code MeterReadings.byService} gives them
     * @param services the services to keep: those of the live routing table (and "none", the unrouted)
     */
    void sample(long atMillis, Map<String, ServiceTraffic> readings, Set<String> services) {
        Map<String, ServiceTraffic> before = previous;
        long beforeAt = previousAt;
        previous = readings;
        previousAt = atMillis;
        series.keySet().retainAll(services);
        if (before == null || atMillis <= beforeAt) {
            return;
        }
        double seconds = (atMillis - beforeAt) / 1000.0;
        int slot = next;
        times[slot] = atMillis;
        next = (next + 1) % capacity;
        size = Math.min(size + 1, capacity);
        for (String name : services) {
            ServiceTraffic now = readings.get(name);
            if (now == null) {
                continue; // no meters (yet): its slot is cleared below
            }
            // A service absent from the previous reading got its meters since, starting from zero.
            ServiceTraffic then = before.getOrDefault(name, new ServiceTraffic(0, 0, Histogram.EMPTY));
            long requests = Math.max(0, now.requests() - then.requests());
            long errors = Math.max(0, now.serverErrors() - then.serverErrors());
            Series s = series.computeIfAbsent(name, k -> new Series(capacity));
            s.rps[slot] = requests / seconds;
            s.errorRate[slot] = requests == 0 ? Double.NaN : Math.min(1.0, (double) errors / requests);
            s.p99[slot] = now.latency().since(then.latency()).quantile(0.99);
        }
        for (Map.Entry<String, Series> e : series.entrySet()) {
            if (!readings.containsKey(e.getKey())) {
                clear(e.getValue(), slot);
            }
        }
    }

    private static void clear(Series s, int slot) {
        s.rps[slot] = Double.NaN;
        s.errorRate[slot] = Double.NaN;
        s.p99[slot] = Double.NaN;
    }

    /** The points after {@code sinceMillis}, oldest first, by service name (sorted). */
    Map<String, List<Point>> since(long sinceMillis) {
        List<Integer> slots = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int slot = Math.floorMod(next - size + i, capacity);
            if (times[slot] > sinceMillis) {
                slots.add(slot);
            }
        }
        Map<String, List<Point>> out = new TreeMap<>();
        series.forEach((name, s) -> {
            List<Point> points = new ArrayList<>(slots.size());
            for (int slot : slots) {
                points.add(new Point(times[slot], s.rps[slot], s.errorRate[slot], s.p99[slot]));
            }
            out.put(name, points);
        });
        return out;
    }

    /** The times of the points after {@code sinceMillis}, oldest first. */
    List<Long> timesSince(long sinceMillis) {
        List<Long> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int slot = Math.floorMod(next - size + i, capacity);
            if (times[slot] > sinceMillis) {
                out.add(times[slot]);
            }
        }
        return out;
    }

    /** Each service's latest point; absent before the second reading. */
    Map<String, Point> latest() {
        Map<String, Point> out = new LinkedHashMap<>();
        if (size == 0) {
            return out;
        }
        int slot = Math.floorMod(next - 1, capacity);
        series.forEach((name, s) -> out.put(name, new Point(times[slot], s.rps[slot], s.errorRate[slot], s.p99[slot])));
        return out;
    }

    int capacity() {
        return capacity;
    }
}
