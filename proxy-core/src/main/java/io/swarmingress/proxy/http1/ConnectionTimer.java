package io.swarmingress.proxy.http1;

import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;

/**
 * The one timer of a client connection. It is moved only when it would fire too late, and when it
 * fires it runs a check that works out which deadline, if any, has passed and when the next one
 * is. Scheduling and cancelling a timer per request would cost two priority-queue operations and
 * an allocation on every request of a keep-alive connection. (The HTTP/2 front keeps one per
 * connection too, for all its streams.)
 */
public final class ConnectionTimer {
    private final EventExecutor executor;
    private final Ticker ticker;
    private final Runnable fire;
    private ScheduledFuture<?> timer;
    private long due;

    /** @param check runs on the executor when the timer fires; it calls {@link #fireBy} for the next deadline */
    public ConnectionTimer(EventExecutor executor, Runnable check) {
        this.executor = executor;
        this.ticker = executor.ticker();
        this.fire = () -> {
            timer = null;
            check.run();
        };
    }

    public long now() {
        return ticker.nanoTime();
    }

    /** Makes sure the timer fires at or before {@code deadline} (nothing for {@code Long.MAX_VALUE}). */
    public void fireBy(long deadline) {
        if (deadline == Long.MAX_VALUE || (timer != null && due - deadline <= 0)) {
            return;
        }
        cancel();
        due = deadline;
        timer = executor.schedule(fire, Math.max(0, deadline - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    }

    public void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
