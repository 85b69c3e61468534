package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;

import io.netty.channel.group.ChannelGroup;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * What the connections of one entrypoint share at run time: the live routing table (whose
 * snapshot holds the entrypoint's options too: one table, one swap), the transport for upstream
 * connections, the open-connection count, meters and the drain flag. Handlers read the table
 * once per request or connection and keep that snapshot for its duration.
 */
public final class EntrypointContext {
    private final String name;
    private final AtomicReference<RoutingTable> table;
    private final Transport transport;
    private final ChannelGroup connections;
    private final ConnectionMeters meters;
    private final ToIntFunction<String> ports;
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean draining;

    EntrypointContext(String name, AtomicReference<RoutingTable> table, Transport transport,
                      ChannelGroup connections, ConnectionMeters meters, ToIntFunction<String> ports) {
        this.name = name;
        this.ports = ports;
        this.table = table;
        this.transport = transport;
        this.connections = connections;
        this.meters = meters;
    }

    public String name() {
        return name;
    }

    public RoutingTable table() {
        return table.get();
    }

    public Transport transport() {
        return transport;
    }

    /** Every client connection of the proxy, for graceful shutdown. */
    public ChannelGroup connections() {
        return connections;
    }

    /** The port an entrypoint of this proxy listens on (the one it got for port 0); 0 when it has none. */
    public int port(String entrypoint) {
        return ports.applyAsInt(entrypoint);
    }

    /** Open connections and bytes of this entrypoint. */
    public ConnectionMeters meters() {
        return meters;
    }

    /** The entrypoint's options in the live table; null once a reload removed it. */
    EntrypointConfig options() {
        return table.get().entrypoint(name);
    }

    /** Takes a new connection in, unless the entrypoint has {@code max_connections} open already. */
    boolean admit() {
        EntrypointConfig options = options();
        int max = options == null ? Integer.MAX_VALUE : options.limits().maxConnections();
        while (true) {
            int n = admitted.get();
            if (n >= max) {
                return false;
            }
            if (admitted.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** An admitted connection closed. */
    void leave() {
        admitted.decrementAndGet();
    }

    /** True once shutdown began: finish what is in flight, take nothing new, close keep-alive connections. */
    public boolean draining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }
}
