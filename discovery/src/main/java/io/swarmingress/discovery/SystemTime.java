package io.swarmingress.discovery;

import java.time.Clock;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The one place where discovery reads the system's clocks; everything else is handed a
 * {@link Ticker} (monotonic, for delays and ages) or a {@link Clock} (wall time, for the
 * "last success" timestamps people read), so that tests can drive both by hand.
 */
final class SystemTime {
    static final Ticker TICKER = Ticker.systemTicker();
    static final Clock CLOCK = Clock.systemUTC();

    private SystemTime() {
    }
}
