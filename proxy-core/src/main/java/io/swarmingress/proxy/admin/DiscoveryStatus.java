package io.swarmingress.proxy.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.swarmingress.discovery.DiscoverySnapshot;

/**
 * How Swarm discovery is doing, as the proxy hands it to the admin listener at each request.
 *
 * @param managers the Docker endpoints of the config, in failover order
 * @param tls whether client certificates are configured (their files are never shown)
 * @param activeManager the manager asked first now: the one that answered last
 * @param lastSuccess when Swarm state was last read successfully; null before the first read
 * @param eventStream the manager whose event stream is open; null while it reconnects
 * @param resyncInterval how often everything is read again whatever the events say
 * @param snapshot what discovery publishes now (endpoints, their tasks, label routes, warnings)
 */
public record DiscoveryStatus(List<String> managers, boolean tls, String activeManager, Instant lastSuccess,
                              String eventStream, Duration resyncInterval, DiscoverySnapshot snapshot) {
    public DiscoveryStatus {
        managers = List.copyOf(managers);
        Objects.requireNonNull(resyncInterval, "resyncInterval");
        Objects.requireNonNull(snapshot, "snapshot");
    }
}
