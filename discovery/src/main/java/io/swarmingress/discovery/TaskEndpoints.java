package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import io.swarmingress.config.HostPort;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Which address of a task is its endpoint: the task must be running and meant to run, and its
 * address is the one on the chosen overlay network (never the ingress routing mesh, whose
 * addresses are for IPVS). The result is sorted the same way on every read, so that equal Swarm
 * state gives an equal snapshot.
 */
final class TaskEndpoints {
    private TaskEndpoints() {
    }

    /**
     * The running tasks' addresses on the chosen network. Never a guess: a task whose network is
     * ambiguous or absent gives no endpoint and a warning that says what to set.
     */
    static List<HostPort> of(SwarmService s, String network, int port, String who, String knob,
                              Set<String> warnings) {
        List<HostPort> out = new ArrayList<>(s.tasks().size());
        for (SwarmTask t : s.tasks()) {
            if (!t.running()) {
                continue;
            }
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
                    continue;
                } else {
                    candidates.sort(null);
                    warnings.add(who + ": its tasks are on several networks " + candidates + " and none is chosen: set "
                            + knob);
                    continue;
                }
            } else if (chosen == null) {
                candidates.sort(null);
                warnings.add(who + ": its tasks are not on network '" + network + "' (they are on " + candidates + ")");
                continue;
            }
            if (chosen == null || chosen.addresses().isEmpty()) {
                warnings.add(who + ": a task has no address on network '" + (chosen == null ? network : chosen.networkName())
                        + "'");
                continue;
            }
            String address = chosen.addresses().get(0);
            int slash = address.indexOf('/');
            try {
                out.add(new HostPort(slash < 0 ? address : address.substring(0, slash), port));
            } catch (IllegalArgumentException e) {
                warnings.add(who + ": task address '" + address + "' is unusable: " + e.getMessage());
            }
        }
        out.sort(ENDPOINT_ORDER);
        for (int i = out.size() - 1; i > 0; i--) {
            if (out.get(i).equals(out.get(i - 1))) {
                out.remove(i);
            }
        }
        return out;
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
