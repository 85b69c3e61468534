package io.swarmingress.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.Location;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SnapshotRecorder.Received;
import io.swarmingress.discovery.SwarmLab.LabTask;

/**
 * A discovery on the real lab, with its own label prefix (so that it sees only the services its
 * test created) and a recorder of every snapshot; plus what the make-before-break tests read from
 * the recorded snapshots. Timings as in production but a 3 s API deadline.
 */
final class LabDiscovery implements AutoCloseable {
    static final Duration BOUND = Duration.ofSeconds(30);

    final SwarmLab lab = SwarmLab.get();
    final SnapshotRecorder recorder = new SnapshotRecorder();
    private final String prefix = SwarmLab.uniqueName("m") + ".";
    private SwarmDiscovery discovery;

    /** A labelled busybox service on appnet, port 8080, with the given stop grace period. */
    String service(String kind, int replicas, String stopGrace) {
        String name = SwarmLab.uniqueName(kind);
        lab.createService(name, replicas, List.of("--stop-grace-period", stopGrace), prefix + "enable=true",
                prefix + "port=8080");
        return name;
    }

    SwarmDiscovery start() {
        SwarmProviderConfig provider = new SwarmProviderConfig(List.of(lab.endpoint()), null, prefix, true,
                SwarmLab.NETWORK, "web", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(3),
                Location.NONE);
        discovery = new SwarmDiscovery(provider, List.of(), recorder, DiscoveryObserver.NOOP);
        discovery.start();
        return discovery;
    }

    /** Waits until discovery shows exactly the running tasks Swarm reports; returns them by task id. */
    Map<String, LabTask> settled(String name, int replicas) {
        recorder.await(BOUND, name + ": " + replicas + " endpoints", s -> s.endpoints(name).size() == replicas
                && s.fallbacks(name).isEmpty() && SnapshotRecorder.addresses(s, name).equals(lab.runningAddresses(name)));
        return lab.tasks(name).values().stream().filter(LabTask::running)
                .collect(Collectors.toMap(LabTask::id, t -> t));
    }

    static Set<String> addresses(Map<String, LabTask> tasks) {
        return tasks.values().stream().map(LabTask::address).collect(Collectors.toSet());
    }

    /** The snapshots that arrived at or after a wall-clock time. */
    List<Received> since(long millis) {
        List<Received> out = new ArrayList<>();
        for (Received r : recorder.all()) {
            if (r.atMillis() >= millis) {
                out.add(r);
            }
        }
        return out;
    }

    /** When the first of these snapshots without the address arrived. */
    static long firstWithout(List<Received> received, String service, String address) {
        for (Received r : received) {
            if (!SnapshotRecorder.addresses(r.snapshot(), service).contains(address)) {
                return r.atMillis();
            }
        }
        throw new AssertionError(address + " never left " + service);
    }

    /** What each snapshot held (f: fallback) and what Swarm reports of the tasks, in ms from {@code zero}. */
    static String timeline(String what, long zero, String zeroName, List<Received> snapshots, List<String> services,
                           Map<String, LabTask> tasks, Set<String> oldIds) {
        StringBuilder sb = new StringBuilder("MBB timeline: ").append(what).append(", ms from the ").append(zeroName)
                .append('\n');
        for (Received r : snapshots) {
            sb.append(String.format("MBB   %+7d snapshot", r.atMillis() - zero));
            for (String s : services) {
                List<String> shown = new ArrayList<>();
                for (HostPort h : r.snapshot().endpoints(s)) {
                    shown.add(h.host() + (r.snapshot().fallbacks(s).contains(h) ? " f" : ""));
                }
                sb.append("  ").append(s, 0, s.indexOf('-')).append(" [").append(String.join(", ", shown)).append(']');
            }
            sb.append('\n');
        }
        List<LabTask> byTime = new ArrayList<>(tasks.values());
        byTime.sort(Comparator.comparing(LabTask::timestamp));
        for (LabTask t : byTime) {
            sb.append(String.format("MBB   %+7d task %s %s %s: status %s, desired %s%n",
                    t.timestamp().toEpochMilli() - zero, t.id().substring(0, 5), oldIds.contains(t.id()) ? "old" : "new",
                    t.address(), t.state(), t.desired()));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (discovery != null) {
            discovery.close();
        }
        lab.cleanup();
    }
}
