package io.swarmingress.discovery;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The discovery thread as the rooms see it: tasks run one at a time, in order, now or after a
 * delay. Every piece of discovery state that is not a read in progress is touched only from this
 * loop, so none of it needs a lock. An interface, not the executor itself, so that tests run the
 * rooms on the test thread and move time by hand instead of sleeping.
 *
 * <p>A closed loop drops what it is given: whatever was still to happen no longer matters.
 */
interface DiscoveryLoop extends Executor {

    /** A delayed task that has not run yet can be called off. */
    interface Cancellable {
        void cancel();
    }

    /** Runs {@code task} on the loop once {@code delay} has passed. */
    Cancellable schedule(Runnable task, Duration delay);

    /** The loop on one thread of a scheduled executor, which measures the delays with the system's clock. */
    static DiscoveryLoop on(ScheduledExecutorService thread) {
        return new DiscoveryLoop() {
            @Override
            public void execute(Runnable task) {
                try {
                    thread.execute(task);
                } catch (RejectedExecutionException closing) {
                    // dropped: discovery is closing
                }
            }

            @Override
            public Cancellable schedule(Runnable task, Duration delay) {
                try {
                    ScheduledFuture<?> f = thread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                    return () -> f.cancel(false);
                } catch (RejectedExecutionException closing) {
                    return () -> { };
                }
            }
        };
    }
}
