package io.swarmingress.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Which manager to ask first: the one that answered last, then the others in the configured
 * order, except that one which failed within the last {@link #COOL_DOWN} is asked last. So an
 * outage of one manager costs one timeout, not one per call, and a manager that came back is
 * tried again once the cool-down is over. Thread-safe: calls run on several reader threads.
 */
final class ManagerOrder {
    static final Duration COOL_DOWN = Duration.ofSeconds(30);
    private static final long NEVER = Long.MIN_VALUE;

    private final Ticker ticker;
    private final AtomicInteger preferred = new AtomicInteger();
    /** Per manager, the ticker time of its last failure since it last answered; NEVER when it has not failed. */
    private final AtomicLongArray downSince;

    ManagerOrder(int managers, Ticker ticker) {
        if (managers < 1) {
            throw new IllegalArgumentException("managers: " + managers + " (expected: >= 1)");
        }
        this.ticker = ticker;
        this.downSince = new AtomicLongArray(managers);
        for (int i = 0; i < managers; i++) {
            downSince.set(i, NEVER);
        }
    }

    /** The index of the manager asked first. */
    int preferred() {
        return preferred.get();
    }

    /** The order of one call that starts with {@code start} (the preferred manager when it began). */
    List<Integer> order(int start) {
        int size = downSince.length();
        List<Integer> out = new ArrayList<>(size);
        List<Integer> cooling = new ArrayList<>();
        out.add(start);
        long now = ticker.read();
        for (int i = 0; i < size; i++) {
            if (i == start) {
                continue;
            }
            long down = downSince.get(i);
            (down != NEVER && now - down < COOL_DOWN.toNanos() ? cooling : out).add(i);
        }
        out.addAll(cooling);
        return out;
    }

    void failed(int manager) {
        downSince.set(manager, ticker.read());
    }

    /**
     * Manager {@code manager} answered a call that started with {@code start}.
     *
     * @return true when this moved the preference to it: a failover, to report once
     */
    boolean answered(int start, int manager) {
        downSince.set(manager, NEVER);
        return manager != start && preferred.compareAndSet(start, manager);
    }
}
