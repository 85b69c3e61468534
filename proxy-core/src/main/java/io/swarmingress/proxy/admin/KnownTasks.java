package io.swarmingress.proxy.admin;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.swarmingress.config.HostPort;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.discovery.TaskRef;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * The Swarm task last seen behind each endpoint the dashboard lists. Discovery forgets a task as
 * soon as Swarm stops it, but its endpoint may still be draining requests: the page should still
 * say which task that is. Remembered at each sample, forgotten when the address is in no service
 * of the live table, draining ones included, so it is bounded by the table.
 *
 * <p>Confined to the admin event loop, like {@link TrafficHistory}.
 */
final class KnownTasks {
    private final Map<HostPort, TaskRef> tasks = new HashMap<>();

    /** Takes what discovery says now about the table's endpoints and forgets addresses the table left. */
    void remember(RoutingTable table, DiscoverySnapshot snapshot) {
        Set<HostPort> listed = new HashSet<>();
        if (table != null) {
            for (Service s : table.services().values()) {
                for (Endpoint e : s.endpoints()) {
                    listed.add(e.address());
                }
                for (Endpoint e : s.draining()) {
                    listed.add(e.address());
                }
            }
        }
        tasks.keySet().retainAll(listed);
        for (HostPort address : listed) {
            TaskRef now = snapshot.task(address);
            if (now != null) {
                tasks.put(address, now);
            }
        }
    }

    /** Discovery's word first (an address a new task took over is that task's); else the last seen. */
    TaskRef task(DiscoverySnapshot snapshot, HostPort address) {
        TaskRef now = snapshot.task(address);
        return now != null ? now : tasks.get(address);
    }

    int size() {
        return tasks.size();
    }
}
