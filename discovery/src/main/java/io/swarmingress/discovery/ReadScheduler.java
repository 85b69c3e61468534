package io.swarmingress.discovery;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * When to read what. Three kinds of reason to read Swarm, each with its own timing:
 * <ul>
 * <li>Requests from events are collected for the debounce time, then read together: a burst of
 *     events costs one read, and a full read asked for meanwhile covers every service asked for.</li>
 * <li>A full read every {@code resync_interval}, the safety net for anything missed.</li>
 * <li>Swarm emits no task events, so a routed service that is still converging (see
 *     {@link SwarmService#converging()}) is re-read every {@value #CONVERGING_POLL_MS} ms, which
 *     puts a new task into the snapshot within a fraction of a second of reaching
 *     {@code running}. A service that has not settled after {@link #CONVERGING_GIVE_UP} (a task
 *     that cannot start, a placement nobody can satisfy) is left to events and the resync until
 *     the service itself changes again.</li>
 * </ul>
 * And a fourth, from outside: the {@link TaskPoll} asks for services whose tasks it saw change,
 * read at once ({@link #requestTasksNow}).
 * A read never overlaps another of the same kind for the same services: what is asked for while
 * it runs is read once more after it, since the read in flight may have missed the change.
 *
 * <p>Every method runs on the discovery loop; time is read from the {@link Ticker} and delays go
 * through the loop, so that tests drive both.
 */
final class ReadScheduler {
    private static final Logger log = LoggerFactory.getLogger(ReadScheduler.class);
    static final long CONVERGING_POLL_MS = 100;
    static final Duration CONVERGING_POLL = Duration.ofMillis(CONVERGING_POLL_MS);
    static final Duration CONVERGING_GIVE_UP = Duration.ofSeconds(60);

    /**
     * Performs the reads (and applies them). Each stage completes on the discovery loop, with the
     * ids of the routed services still converging after the read was applied, or exceptionally
     * when the read failed.
     */
    interface Reads {
        CompletionStage<Set<String>> readAll();

        CompletionStage<Set<String>> readSome(Set<String> ids);
    }

    private final DiscoveryLoop loop;
    private final Ticker ticker;
    private final Duration debounce;
    private final Duration resyncInterval;
    private final Reads reads;
    private volatile boolean closed;

    private final Set<String> pendingIds = new HashSet<>();
    private boolean pendingFull;
    private boolean flushScheduled;
    private boolean fullInFlight;
    private boolean fullAgain;
    private final Set<String> inFlightIds = new HashSet<>();
    private final Set<String> againIds = new HashSet<>();
    /** Routed services seen converging, with the ticker time they were first seen so. */
    private final Map<String, Long> convergingSince = new HashMap<>();
    private Set<String> convergingIds = Set.of();
    private boolean convergingScheduled;

    ReadScheduler(DiscoveryLoop loop, Ticker ticker, Duration debounce, Duration resyncInterval, Reads reads) {
        this.loop = loop;
        this.ticker = ticker;
        this.debounce = debounce;
        this.resyncInterval = resyncInterval;
        this.reads = reads;
    }

    /** The first full read now, then one every resync interval. */
    void start() {
        loop.execute(this::startFull);
        scheduleResync();
    }

    /** No read starts after this; reads in flight end unnoticed. Any thread. */
    void close() {
        closed = true;
    }

    /** Everything may have changed (a node, a network, a reconnected event stream). */
    void requestFull() {
        pendingFull = true;
        scheduleFlush();
    }

    /**
     * The service itself changed (created, updated, scaled, removed): read it, and give it a new
     * {@link #CONVERGING_GIVE_UP} of short re-reads even if an earlier one ran out.
     */
    void requestService(String id) {
        convergingSince.remove(id);
        requestTasks(id);
    }

    /** The service's tasks may have moved (a container started or stopped). */
    void requestTasks(String id) {
        pendingIds.add(id);
        scheduleFlush();
    }

    /**
     * The task poll saw these services' tasks change: read them now, without the debounce (the
     * poll is one per interval, not a burst, and a dead task should leave the table at once).
     */
    void requestTasksNow(Set<String> ids) {
        startSome(ids);
    }

    private void scheduleResync() {
        if (closed) {
            return;
        }
        loop.schedule(() -> {
            scheduleResync(); // first: a failure below must not end the resyncs
            startFull();
        }, resyncInterval);
    }

    private void scheduleFlush() {
        if (flushScheduled || closed) {
            return;
        }
        flushScheduled = true;
        loop.schedule(this::flush, debounce);
    }

    private void flush() {
        flushScheduled = false;
        if (pendingFull) {
            pendingFull = false;
            pendingIds.clear();
            startFull();
        } else if (!pendingIds.isEmpty()) {
            Set<String> ids = Set.copyOf(pendingIds);
            pendingIds.clear();
            startSome(ids);
        }
    }

    private void startFull() {
        if (closed) {
            return;
        }
        if (fullInFlight) {
            fullAgain = true;
            return;
        }
        fullInFlight = true;
        reads.readAll().whenComplete((converging, error) -> {
            fullInFlight = false;
            if (closed) {
                return;
            }
            if (error == null) {
                converging(converging);
            }
            if (fullAgain) {
                fullAgain = false;
                startFull();
            }
        });
    }

    private void startSome(Set<String> ids) {
        if (closed) {
            return;
        }
        Set<String> toRead = new HashSet<>();
        for (String id : ids) {
            if (inFlightIds.contains(id)) {
                againIds.add(id);
            } else {
                toRead.add(id);
            }
        }
        if (toRead.isEmpty()) {
            return;
        }
        inFlightIds.addAll(toRead);
        reads.readSome(Set.copyOf(toRead)).whenComplete((converging, error) -> {
            inFlightIds.removeAll(toRead);
            if (closed) {
                return;
            }
            if (error == null) {
                converging(converging);
            }
            if (!againIds.isEmpty()) {
                Set<String> again = Set.copyOf(againIds);
                againIds.clear();
                startSome(again);
            }
        });
    }

    /** After a successful read: re-read soon the routed services Swarm is still moving. */
    private void converging(Set<String> converging) {
        long now = ticker.read();
        Set<String> next = new HashSet<>();
        convergingSince.keySet().retainAll(converging);
        for (String id : converging) {
            long since = convergingSince.computeIfAbsent(id, k -> now);
            if (now - since < CONVERGING_GIVE_UP.toNanos()) {
                next.add(id);
            } else if (convergingIds.contains(id)) {
                log.debug("Swarm service {} still converging after {} s: left to events and the resync", id,
                        CONVERGING_GIVE_UP.toSeconds());
            }
        }
        convergingIds = next;
        if (!next.isEmpty() && !convergingScheduled && !closed) {
            convergingScheduled = true;
            loop.schedule(() -> {
                convergingScheduled = false;
                if (!convergingIds.isEmpty()) {
                    startSome(convergingIds);
                }
            }, CONVERGING_POLL);
        }
    }
}
