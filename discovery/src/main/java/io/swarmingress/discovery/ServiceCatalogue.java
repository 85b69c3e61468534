package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The Swarm services by id, as last read successfully. A read that fails is never applied, so an
 * API outage leaves every service as it was (stale-on-error): the last endpoints keep serving and
 * no service is emptied by an error. Reads may overlap (a full resync and the re-read of a few
 * services), so each carries a sequence number and the newer read of a service always wins.
 *
 * <p>Only the discovery loop touches the map; {@link #nextReadSeq()} is the one thread-safe call.
 *
 * <p>Why a plain map and not a Caffeine {@code LoadingCache} with {@code refreshAfterWrite}: the
 * unit of a read is not one key. A full resync is two calls for every service (the service list
 * and all running tasks), while a loader reads one key at a time ({@code refreshAll} is one
 * {@code refresh} per key), so 1,000 services would cost 1,000 calls per resync. New services are
 * found only in that list and removed ones only by their absence from it, which a loader keyed by
 * id cannot see. Refreshes here are triggered by events, not by age, and nothing reads single
 * keys (the snapshot reads them all, which does not trigger {@code refreshAfterWrite}). Caffeine
 * joins a refresh requested while one of the same key is in flight, where an event that arrives
 * during a read needs one more read after it. And Caffeine logs every failed refresh as a warning
 * with a stack trace, one per service per read during an outage, where discovery says once that
 * it keeps the last endpoints. What Caffeine would give (stale-on-error,
 * the newer value winning) is the few lines of {@link #put} and the absence of an apply on error.
 */
final class ServiceCatalogue {
    private final AtomicLong readSeq = new AtomicLong();
    private final Map<String, SwarmService> byId = new HashMap<>();
    private boolean complete;

    /** The order of a read that is about to start; any thread. */
    long nextReadSeq() {
        return readSeq.incrementAndGet();
    }

    /**
     * Applies a full read: every service in it is put, and a known service absent from it is
     * removed unless it was read again after this read started.
     */
    void applyAll(List<SwarmService> all, long seq) {
        Set<String> present = new HashSet<>();
        for (SwarmService s : all) {
            present.add(s.id());
            put(s);
        }
        byId.values().removeIf(old -> !present.contains(old.id()) && old.readSeq() < seq);
        complete = true;
    }

    /**
     * Applies a read of some services: {@code found} holds those that still exist; one asked for
     * and not found was removed from Swarm, unless a newer read has seen it since.
     */
    void applySome(Set<String> ids, Map<String, SwarmService> found, long seq) {
        for (String id : ids) {
            SwarmService s = found.get(id);
            if (s != null) {
                put(s);
            } else {
                SwarmService old = byId.get(id);
                if (old != null && old.readSeq() < seq) {
                    byId.remove(id);
                }
            }
        }
    }

    /** Keeps the newer of two reads of the same service. */
    private void put(SwarmService s) {
        SwarmService old = byId.get(s.id());
        if (old == null || old.readSeq() <= s.readSeq()) {
            byId.put(s.id(), s);
        }
    }

    /**
     * Whether a full read has been applied. Before that the catalogue is a partial view that would
     * show services as missing that were just not read yet.
     */
    boolean complete() {
        return complete;
    }

    /** The service with this id, null when unknown. */
    SwarmService get(String id) {
        return byId.get(id);
    }

    List<SwarmService> matching(Predicate<SwarmService> filter) {
        List<SwarmService> out = new ArrayList<>();
        for (SwarmService s : byId.values()) {
            if (filter.test(s)) {
                out.add(s);
            }
        }
        return out;
    }

    Set<String> ids() {
        return Set.copyOf(byId.keySet());
    }
}
