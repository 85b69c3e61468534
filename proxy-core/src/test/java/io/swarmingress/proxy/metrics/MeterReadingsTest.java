package io.swarmingress.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/** The dashboard reads the meters Prometheus scrapes: the real registry, filled the way the data plane fills it. */
class MeterReadingsTest {
    @Test
    void requestsAndServerErrorsAreSummedOverEntrypointsAndCodes() {
        try (IngressMetrics metrics = new IngressMetrics()) {
            RequestMetrics web = metrics.requests("web", "app");
            RequestMetrics admin = metrics.requests("internal", "app");
            for (int i = 0; i < 90; i++) {
                web.record(200, TimeUnit.MILLISECONDS.toNanos(3));
            }
            for (int i = 0; i < 6; i++) {
                admin.record(503, TimeUnit.MILLISECONDS.toNanos(40));
            }
            web.record(404, TimeUnit.MILLISECONDS.toNanos(1));
            web.record(502, TimeUnit.MILLISECONDS.toNanos(2));
            metrics.requests("web", "other");

            Map<String, MeterReadings.ServiceTraffic> t = MeterReadings.byService(metrics.registry());
            assertThat(t).containsOnlyKeys("app", "other");
            assertThat(t.get("app").requests()).isEqualTo(98);
            assertThat(t.get("app").serverErrors()).isEqualTo(7);
            assertThat(t.get("other").requests()).isZero();
            MeterReadings.Histogram latency = t.get("app").latency();
            assertThat(latency.total()).isEqualTo(98);
            // cumulative over both entrypoints: 92 within 5 ms, all 98 within 50 ms
            assertThat(latency.counts()[indexOf(latency, 0.005)]).isEqualTo(92);
            assertThat(latency.counts()[indexOf(latency, 0.05)]).isEqualTo(98);
            // rank 97.02 of 98: the 6 slow ones sit in (25 ms, 50 ms]
            assertThat(latency.quantile(0.99)).isCloseTo(0.025 + 0.025 * (97.02 - 92) / 6, within(1e-9));
        }
    }

    @Test
    void theHistogramIsCumulativeSoTwoReadingsGiveAnInterval() {
        try (IngressMetrics metrics = new IngressMetrics()) {
            RequestMetrics web = metrics.requests("web", "app");
            web.record(200, TimeUnit.SECONDS.toNanos(2));
            MeterReadings.Histogram before = MeterReadings.byService(metrics.registry()).get("app").latency();
            for (int i = 0; i < 10; i++) {
                web.record(200, TimeUnit.MILLISECONDS.toNanos(1));
            }
            MeterReadings.Histogram after = MeterReadings.byService(metrics.registry()).get("app").latency();
            MeterReadings.Histogram interval = after.since(before);
            assertThat(interval.total()).isEqualTo(10);
            assertThat(interval.quantile(0.99)).as("the slow request was before the interval").isLessThanOrEqualTo(0.001);
            assertThat(after.quantile(0.99)).as("since the start it counts").isGreaterThan(1.0);
        }
    }

    @Test
    void openConnectionsByEntrypoint() {
        try (IngressMetrics metrics = new IngressMetrics()) {
            ConnectionMeters web = metrics.connections("web", "http");
            metrics.connections("db", "tcp");
            web.opened();
            web.opened();
            web.opened();
            web.closed();
            assertThat(MeterReadings.openConnections(metrics.registry())).containsExactlyInAnyOrderEntriesOf(Map.of("web", 2, "db", 0));
        }
    }

    @Test
    void aQuantileBeyondTheLastBucketIsTheLastBoundAndNoRequestsIsNaN() {
        MeterReadings.Histogram h = new MeterReadings.Histogram(new double[] {0.1, 1}, new long[] {0, 1}, 10);
        assertThat(h.quantile(0.99)).isEqualTo(1.0);
        assertThat(MeterReadings.Histogram.EMPTY.quantile(0.99)).isNaN();
    }

    @Test
    void aRequestCountedBetweenTheTwoReadsOfASnapshotIsNoThirtySecondRequest() {
        // The count says 5, the buckets 4: the fifth was recorded while the snapshot was being read.
        // Its own latency (3 ms) is within the buckets' range, which the timer's max shows.
        MeterReadings.Histogram earlier = MeterReadings.histogram(snapshot(3, 0.003, 3));
        MeterReadings.Histogram racing = MeterReadings.histogram(snapshot(5, 0.003, 4));
        MeterReadings.Histogram later = MeterReadings.histogram(snapshot(6, 0.003, 6));
        assertThat(racing.since(earlier).quantile(0.99)).isLessThanOrEqualTo(0.005);
        assertThat(later.since(racing).quantile(0.99)).isLessThanOrEqualTo(0.005);
    }

    @Test
    void aRequestBeyondTheLastBoundStillCountsWhenTheMaxShowsOne() {
        MeterReadings.Histogram h = MeterReadings.histogram(snapshot(5, 42.0, 4));
        assertThat(h.total()).isEqualTo(5);
        assertThat(h.quantile(0.99)).isEqualTo(30.0);
    }

    /** A snapshot of a timer with buckets 5 ms and 30 s, every counted request in the first. */
    private static HistogramSnapshot snapshot(long count, double maxSeconds, long inBuckets) {
        CountAtBucket[] buckets = {
            new CountAtBucket(TimeUnit.MILLISECONDS.toNanos(5), inBuckets),
            new CountAtBucket(TimeUnit.SECONDS.toNanos(30), inBuckets)};
        return new HistogramSnapshot(count, count * 0.003 * 1e9, maxSeconds * 1e9, null, buckets, null);
    }

    private static int indexOf(MeterReadings.Histogram h, double bound) {
        for (int i = 0; i < h.boundsSeconds().length; i++) {
            if (Math.abs(h.boundsSeconds()[i] - bound) < 1e-12) {
                return i;
            }
        }
        throw new AssertionError("no bucket " + bound);
    }
}
