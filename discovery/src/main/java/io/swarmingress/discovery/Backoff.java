package io.swarmingress.discovery;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The wait between two attempts of a stream that follows another process (a manager's events, a
 * relay's state): 200 ms, doubling to 5 s, and 200 ms again once an attempt works.
 *
 * <p>Why the wait is counted off by the {@link DiscoveryLoop} rather than slept: tests move the
 * time by hand instead of sleeping. The waiting thread's interrupt (a reconnect, a close) ends the
 * wait early, which is its normal end rather than an error. Apart from {@link EventStream} and
 * {@link RelayStream} because both wait so, and that corner is written once. Used by the one
 * thread of its stream.
 */
final class Backoff {
    static final long MIN_MS = 200;
    static final long MAX_MS = 5000;

    private final DiscoveryLoop timers;
    private long next = MIN_MS;

    Backoff(DiscoveryLoop timers) {
        this.timers = timers;
    }

    /** How long the next {@link #pause} waits, in milliseconds. */
    long nextMs() {
        return next;
    }

    /** An attempt worked: the next wait is the shortest again. */
    void reset() {
        next = MIN_MS;
    }

    /** Waits {@link #nextMs}, then doubles the next wait, up to the longest. */
    void pause() {
        pause(next);
        next = Math.min(MAX_MS, next * 2);
    }

    /** Waits the longest wait, the next one left as it is (a failure before any attempt could start). */
    void pauseLongest() {
        pause(MAX_MS);
    }

    /** Waits until the loop has counted {@code ms} off, or the thread is interrupted. */
    private void pause(long ms) {
        CompletableFuture<Void> over = new CompletableFuture<>();
        DiscoveryLoop.Cancellable timer = timers.schedule(() -> over.complete(null), Duration.ofMillis(ms));
        try {
            over.get();
        } catch (InterruptedException e) {
            // a reconnect or close: the caller looks at why
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never: nothing completes it exceptionally
        } finally {
            timer.cancel();
        }
    }
}
