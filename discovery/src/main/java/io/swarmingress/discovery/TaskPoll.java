package io.swarmingress.discovery;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Notices a task that stopped on another node. Swarm emits no task events, and a container event
 * is seen only by the Docker daemon of the node the container ran on: a proxy reading a manager's
 * API learns of a task that died on a worker only when it reads the tasks again. So the tasks
 * meant to run of the routed services are read every {@code task_poll_interval} (one call, the
 * smallest answer Swarm gives for them) and compared, task by task, with what the catalogue holds;
 * a service whose tasks differ is re-read at once, without the debounce, through the
 * {@link ReadScheduler}, which also yields the fallbacks of a service below what it wants.
 *
 * <p>Cheap where it matters and bounded where it would not be: the next poll waits at least
 * {@value #COST_FACTOR} times as long as the last read took, so that a swarm whose task list takes
 * 100 ms to read is polled every 400 ms, not every 250 ms, and the poll never takes more than about
 * 20 % of a reader thread. Only the read itself counts, not the time it waited for a reader thread
 * busy with other reads: on a busy machine the wait would stretch the interval past the second a
 * dead task may stay in the table (measured on the three-node lab: with the wait counted and a
 * factor of 20, 2.2 s). Polls never overlap; one that fails (an election: the API hangs until the
 * deadline) is tried again after the interval and changes nothing.
 *
 * <p>Runs on the discovery loop; the read itself runs on a reader thread.
 */
final class TaskPoll {
    private static final Logger log = LoggerFactory.getLogger(TaskPoll.class);
    static final long COST_FACTOR = 4;

    /** What the poll tells when tasks changed. */
    interface Changed {
        void reread(Set<String> serviceIds);
    }

    /** The one read of the poll; {@code SwarmReader::readMeantToRun} */
    interface Read {
        Map<String, List<SwarmTask>> meantToRun(Set<String> serviceIds);
    }

    private final DiscoveryLoop loop;
    private final Ticker ticker;
    private final Duration interval;
    private final Read read;
    private final Executor readers;
    private final Supplier<List<SwarmService>> routed;
    private final Changed changed;
    private volatile boolean closed;
    private boolean inFlight;
    private long polls;

    /**
     * @param interval zero for no poll at all
     * @param routed the routed services as the catalogue holds them, once the catalogue is complete
     *               (before the first full read: empty, nothing to compare with)
     */
    TaskPoll(DiscoveryLoop loop, Ticker ticker, Duration interval, Read read, Executor readers,
             Supplier<List<SwarmService>> routed, Changed changed) {
        this.loop = loop;
        this.ticker = ticker;
        this.interval = interval;
        this.read = read;
        this.readers = readers;
        this.routed = routed;
        this.changed = changed;
    }

    void start() {
        if (!interval.isZero()) {
            schedule(interval);
        }
    }

    void close() {
        closed = true;
    }

    /** Polls started so far (for tests). */
    long polls() {
        return polls;
    }

    private void schedule(Duration delay) {
        if (!closed) {
            loop.schedule(this::poll, delay);
        }
    }

    private void poll() {
        if (closed || inFlight) {
            return;
        }
        List<SwarmService> services = routed.get();
        if (services.isEmpty()) {
            schedule(interval);
            return;
        }
        Map<String, SwarmService> byId = new HashMap<>();
        for (SwarmService s : services) {
            byId.put(s.id(), s);
        }
        inFlight = true;
        polls++;
        AtomicLong readNanos = new AtomicLong();
        CompletableFuture.supplyAsync(() -> {
            long started = ticker.read();
            try {
                return read.meantToRun(byId.keySet());
            } finally {
                readNanos.set(ticker.read() - started);
            }
        }, readers).handleAsync((tasks, error) -> {
            inFlight = false;
            Duration took = Duration.ofNanos(readNanos.get());
            if (closed) {
                return null;
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof DockerApi.NotFoundException) {
                    changed.reread(byId.keySet()); // a routed service is gone: read them, which finds which
                } else {
                    log.debug("task poll failed after {} ms: {}", took.toMillis(), cause.toString());
                }
                schedule(interval);
                return null;
            }
            Set<String> differ = new HashSet<>();
            for (SwarmService s : byId.values()) {
                if (!sameTasks(s, tasks.getOrDefault(s.id(), List.of()))) {
                    differ.add(s.id());
                }
            }
            if (!differ.isEmpty()) {
                log.debug("task poll: tasks of {} changed", differ);
                changed.reread(differ);
            }
            Duration cost = took.multipliedBy(COST_FACTOR);
            schedule(cost.compareTo(interval) > 0 ? cost : interval);
            return null;
        }, loop);
    }

    /**
     * Whether the catalogue's tasks meant to run are the polled ones, in the same states. Outgoing
     * tasks (read only while a service is below what it wants) are not in a poll and not compared.
     */
    static boolean sameTasks(SwarmService known, List<SwarmTask> polled) {
        Map<String, String> before = new HashMap<>();
        for (SwarmTask t : known.tasks()) {
            if (t.meantToRun()) {
                before.put(t.id(), t.state());
            }
        }
        Map<String, String> now = new HashMap<>();
        for (SwarmTask t : polled) {
            if (t.meantToRun()) {
                now.put(t.id(), t.state());
            }
        }
        return before.equals(now);
    }
}
