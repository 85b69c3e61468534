package io.swarmingress.discovery;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.swarmingress.config.HostPort;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Which tasks are a service's endpoints, and which address of a task is its endpoint: the one on
 * the chosen overlay network (never the ingress routing mesh, whose addresses are for IPVS). The
 * result is sorted the same way on every read, so that equal Swarm state gives an equal snapshot.
 *
 * <h2>Make before break</h2>
 * Swarm moves a task's desired state first and stops its container afterwards. When a node misses
 * its heartbeats (a freeze, a partition, a stalled election), Swarm marks every task on it for
 * shutdown and starts replacements after its restart delay, without waiting for the old ones,
 * whose containers often still run and answer until the replacements do (measured on the lab: old
 * tasks told to stop 0.2 s after a thaw, replacements running 7-8 s after it, old containers
 * stopped 14 s after it). A drain and a stop-first update also tell tasks to stop first, and start
 * each replacement once the old container has stopped: a fallback then bridges the old container's
 * stop grace. Taking only tasks meant to run would empty such a service at once. The rule:
 * <ul>
 * <li><b>ready</b> = the tasks whose desired state and status are both {@code running}; all of
 *     them are endpoints, as before;</li>
 * <li><b>wanted</b> = {@link SwarmService#wanted()}: the replica count of a replicated service
 *     ({@code Spec.Mode.Replicated.Replicas}), else the number of tasks meant to run (global);</li>
 * <li>if |ready| &lt; wanted, <b>fallbacks</b> are added, up to wanted - |ready| of them: tasks
 *     whose status is still {@code running} and whose desired state is anything else
 *     ({@link SwarmTask#outgoing()}), the most recently reported running first (latest
 *     {@code Status.Timestamp}, then task id, so that the choice is stable);</li>
 * <li>a task whose status is not {@code running} is never an endpoint, whatever its desired state.</li>
 * </ul>
 * So a fallback leaves as soon as a replacement is running or its own container stops, whichever
 * comes first, and scale-down and start-first updates keep their fast removal: with 3 -> 1 the two
 * tasks told to go (desired state {@code remove}) leave at once, since the one that stays is all
 * the service wants. Counting tasks, not addresses, lets the reader decide which services need
 * their outgoing tasks read without knowing the networks ({@link SwarmService#belowWanted()}).
 * A fallback may be dead (on a node that is down, Swarm keeps the last status it heard for a day),
 * which is why fallbacks are marked in the snapshot ({@link DiscoverySnapshot#fallbacks()}): so that
 * the data plane can prefer ready endpoints, and let passive health and retries deal with a
 * fallback that does not answer.
 */
final class TaskEndpoints {
    private TaskEndpoints() {
    }

    /**
     * A service's endpoints: {@code all} to route to, sorted, and which of them are fallbacks.
     */
    record Chosen(List<HostPort> all, List<HostPort> fallbacks) {
        Chosen {
            all = List.copyOf(all);
            fallbacks = List.copyOf(fallbacks);
        }
    }

    static Chosen of(SwarmService s, String network, int port, String who, String knob, Set<String> warnings) {
        return of(s, network, port, who, knob, warnings, new HashMap<>());
    }

    /**
     * The endpoints of the ready tasks, plus fallbacks by the rule above. Never a guess: a task
     * whose network is ambiguous or absent gives no endpoint and a warning that says what to set.
     *
     * @param tasks gets the task behind each endpoint chosen (for the dashboard)
     */
    static Chosen of(SwarmService s, String network, int port, String who, String knob, Set<String> warnings,
                     Map<HostPort, TaskRef> tasks) {
        List<HostPort> ready = new ArrayList<>(s.tasks().size());
        List<SwarmTask> outgoing = new ArrayList<>(0);
        for (SwarmTask t : s.tasks()) {
            if (t.ready()) {
                HostPort e = endpoint(t, network, port, who, knob, warnings);
                if (e != null) {
                    ready.add(e);
                    tasks.putIfAbsent(e, new TaskRef(t.id(), t.nodeId()));
                }
            } else if (t.outgoing()) {
                outgoing.add(t);
            }
        }
        List<HostPort> fallbacks = new ArrayList<>(0);
        long missing = s.wanted() - s.ready();
        if (missing > 0 && !outgoing.isEmpty()) {
            outgoing.sort(MOST_RECENT_FIRST);
            for (SwarmTask t : outgoing) {
                if (fallbacks.size() >= missing) {
                    break;
                }
                HostPort e = endpoint(t, network, port, who, knob, warnings);
                if (e != null && !ready.contains(e) && !fallbacks.contains(e)) {
                    fallbacks.add(e);
                    tasks.putIfAbsent(e, new TaskRef(t.id(), t.nodeId()));
                }
            }
        }
        List<HostPort> all = new ArrayList<>(ready.size() + fallbacks.size());
        all.addAll(ready);
        all.addAll(fallbacks);
        sortDistinct(all);
        sortDistinct(fallbacks);
        return new Chosen(all, fallbacks);
    }

    /** The task's address on the chosen network, or null (and a warning) when there is none to take. */
    private static HostPort endpoint(SwarmTask t, String network, int port, String who, String knob,
                                     Set<String> warnings) {
        Attachment chosen = null;
        List<String> candidates = new ArrayList<>(2);
        for (Attachment a : t.attachments()) {
            if (a.ingress() || "ingress".equals(a.networkName())) {
                continue; // the routing mesh network: its addresses are for IPVS, not for us
            }
            candidates.add(a.networkName());
            if (network != null && (network.equals(a.networkName()) || network.equals(a.networkId()))) {
                chosen = a;
            }
        }
        if (network == null) {
            if (candidates.size() == 1) {
                for (Attachment a : t.attachments()) {
                    if (!a.ingress() && !"ingress".equals(a.networkName())) {
                        chosen = a;
                    }
                }
            } else if (candidates.isEmpty()) {
                warnings.add(who + ": its tasks are on no overlay network (attach one, e.g. --network appnet)");
                return null;
            } else {
                candidates.sort(null);
                warnings.add(who + ": its tasks are on several networks " + candidates + " and none is chosen: set "
                        + knob);
                return null;
            }
        } else if (chosen == null) {
            candidates.sort(null);
            warnings.add(who + ": its tasks are not on network '" + network + "' (they are on " + candidates + ")");
            return null;
        }
        if (chosen == null || chosen.addresses().isEmpty()) {
            warnings.add(who + ": a task has no address on network '" + (chosen == null ? network : chosen.networkName())
                    + "'");
            return null;
        }
        String address = chosen.addresses().get(0);
        int slash = address.indexOf('/');
        try {
            return new HostPort(slash < 0 ? address : address.substring(0, slash), port);
        } catch (IllegalArgumentException e) {
            warnings.add(who + ": task address '" + address + "' is unusable: " + e.getMessage());
            return null;
        }
    }

    private static void sortDistinct(List<HostPort> list) {
        list.sort(ENDPOINT_ORDER);
        for (int i = list.size() - 1; i > 0; i--) {
            if (list.get(i).equals(list.get(i - 1))) {
                list.remove(i);
            }
        }
    }

    /** Latest {@code Status.Timestamp} first (an unreadable one last), then by task id. */
    static final Comparator<SwarmTask> MOST_RECENT_FIRST = Comparator
            .comparing((SwarmTask t) -> since(t), Comparator.reverseOrder()).thenComparing(SwarmTask::id);

    private static Instant since(SwarmTask t) {
        if (t.stateSince() == null) {
            return Instant.MIN;
        }
        try {
            return Instant.parse(t.stateSince());
        } catch (DateTimeParseException e) {
            return Instant.MIN;
        }
    }

    /** Numeric for IPv4 (10.0.1.9 before 10.0.1.10), textual otherwise: stable across reads. */
    static final Comparator<HostPort> ENDPOINT_ORDER = Comparator.comparingLong((HostPort h) -> ipv4(h.host()))
            .thenComparing(HostPort::host).thenComparingInt(HostPort::port);

    private static long ipv4(String host) {
        long value = 0;
        int octet = 0;
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= '0' && c <= '9') {
                octet = octet * 10 + (c - '0');
                digits++;
                if (octet > 255 || digits > 3) {
                    return Long.MAX_VALUE;
                }
            } else if (c == '.' && digits > 0 && dots < 3) {
                value = value << 8 | octet;
                octet = 0;
                digits = 0;
                dots++;
            } else {
                return Long.MAX_VALUE;
            }
        }
        return dots == 3 && digits > 0 ? value << 8 | octet : Long.MAX_VALUE;
    }
}
