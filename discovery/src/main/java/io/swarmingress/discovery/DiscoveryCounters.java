package io.swarmingress.discovery;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A ready {@link DiscoveryObserver} that only counts, for a proxy that reads the numbers when it
 * is scraped (function counters and gauges) and for tests: syncs by result, events by type and
 * manager failovers.
 */
public final class DiscoveryCounters implements DiscoveryObserver {
    private final Clock clock;
    private final LongAdder syncsOk = new LongAdder();
    private final LongAdder syncsFailed = new LongAdder();
    private final LongAdder failovers = new LongAdder();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    private final AtomicLong lastSuccessMillis = new AtomicLong();

    /** Timestamps from the system clock. */
    public DiscoveryCounters() {
        this(SystemTime.CLOCK);
    }

    /** @param clock the wall clock of {@link #lastSuccessEpochSeconds()} */
    public DiscoveryCounters(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void onSync(boolean ok) {
        if (ok) {
            syncsOk.increment();
            lastSuccessMillis.set(clock.millis());
        } else {
            syncsFailed.increment();
        }
    }

    @Override
    public void onEvent(String type) {
        events.computeIfAbsent(type, t -> new LongAdder()).increment();
    }

    @Override
    public void onFailover(String from, String to) {
        failovers.increment();
    }

    public long syncs(boolean ok) {
        return ok ? syncsOk.sum() : syncsFailed.sum();
    }

    public long failovers() {
        return failovers.sum();
    }

    /** Event counts by Docker event type, sorted. */
    public Map<String, Long> events() {
        Map<String, Long> out = new TreeMap<>();
        events.forEach((type, n) -> out.put(type, n.sum()));
        return out;
    }

    /** Wall-clock seconds of the last successful sync, 0 before the first. */
    public double lastSuccessEpochSeconds() {
        return lastSuccessMillis.get() / 1000.0;
    }
}
