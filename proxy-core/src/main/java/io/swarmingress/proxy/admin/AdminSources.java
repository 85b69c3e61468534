package io.swarmingress.proxy.admin;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * Everything the admin listener reads, each read when a request (or a sample) needs it, on the
 * admin thread. It only reads: nothing here can change what the proxy does.
 *
 * @param table the live routing table; null before the first one
 * @param listening the address an entrypoint is bound to now (port 0 resolved); null when it is not bound
 * @param routesExtra more fields for the legacy {@code /routes} (config file, discovery state)
 * @param discovery how Swarm discovery is doing; null when the config has no {@code swarm:} section
 * @param configFile the config file the proxy runs from, as given on the command line
 * @param clock the wall clock of ages and sample times
 */
public record AdminSources(IngressMetrics metrics, Supplier<RoutingTable> table, Function<String, InetSocketAddress> listening,
                           Supplier<Map<String, Object>> routesExtra, Supplier<DiscoveryStatus> discovery,
                           ReloadHistory reloads, String configFile, Clock clock) {
    public AdminSources {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(listening, "listening");
        Objects.requireNonNull(routesExtra, "routesExtra");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(reloads, "reloads");
        Objects.requireNonNull(clock, "clock");
    }
}
