package io.swarmingress.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * A {@link DiscoveryLoop} and {@link Ticker} driven by the test: {@link #execute} runs a task at
 * once on the caller's thread, a scheduled task runs when {@link #advance} moves the time past
 * its due time, and the ticker reads that time. Thread-safe, so that a room with its own thread
 * (the event stream) can schedule while the test advances; tasks run on the advancing thread.
 */
final class ManualLoop implements DiscoveryLoop, Ticker {
    private record Task(long due, long order, Runnable task) {
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>(
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private final List<Duration> delays = new ArrayList<>();
    private long now = 1_000_000_000L; // not 0, so that "never" and "at the start" differ
    private long order;

    @Override
    public synchronized long read() {
        return now;
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Task t = new Task(now + delay.toNanos(), order++, task);
        queue.add(t);
        delays.add(delay);
        return () -> {
            synchronized (this) {
                queue.remove(t);
            }
        };
    }

    /** Moves the time forward, running every task that falls due on the way, at its due time. */
    void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return;
                }
                queue.poll();
                now = Math.max(now, next.due);
            }
            next.task.run();
        }
    }

    /** The delays of every task scheduled so far, in order; cancelled ones included. */
    synchronized List<Duration> delays() {
        return List.copyOf(delays);
    }

    synchronized int pending() {
        return queue.size();
    }
}
