package io.swarmingress.discovery;


import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import io.swarmingress.config.HostPort;

/** A listener that keeps every published snapshot with the wall-clock time it arrived. */
final class SnapshotRecorder implements DiscoveryListener {

    record Received(long atMillis, DiscoverySnapshot snapshot) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();

    @Override
    public void onSnapshot(DiscoverySnapshot snapshot) {
        received.add(new Received(System.currentTimeMillis(), snapshot));
    }

    List<Received> all() {
        return List.copyOf(received);
    }

    int count() {
        return received.size();
    }

    DiscoverySnapshot latest() {
        return received.isEmpty() ? null : received.get(received.size() - 1).snapshot();
    }

    /** Waits (up to the bound) until the latest snapshot satisfies the condition; returns its arrival. */
    Received await(Duration bound, String what, Predicate<DiscoverySnapshot> condition) {
        org.awaitility.Awaitility.await(what).atMost(bound).pollInterval(Duration.ofMillis(10))
                .until(() -> latest() != null && condition.test(latest()));
        List<Received> all = all();
        // the first snapshot of the final run of satisfying ones: when the change arrived
        Received first = all.get(all.size() - 1);
        for (int i = all.size() - 1; i >= 0 && condition.test(all.get(i).snapshot()); i--) {
            first = all.get(i);
        }
        return first;
    }

    /** The addresses of a service's endpoints, sorted as text. */
    static List<String> addresses(DiscoverySnapshot s, String service) {
        List<String> out = new ArrayList<>();
        for (HostPort h : s.endpoints(service)) {
            out.add(h.host());
        }
        out.sort(null);
        return out;
    }
}
