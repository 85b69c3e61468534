package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.group.ChannelGroup;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * What the handlers of one entrypoint share: its config, the live routing table, the transport
 * for upstream connections and the drain flag. Handlers read the table once per request or
 * connection and keep that snapshot for its duration.
 */
public final class EntrypointContext {
    private volatile EntrypointConfig config;
    private final AtomicReference<RoutingTable> table;
    private final Transport transport;
    private final ChannelGroup connections;
    private final ConnectionMeters meters;
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean draining;

    EntrypointContext(EntrypointConfig config, AtomicReference<RoutingTable> table, Transport transport,
                      ChannelGroup connections, ConnectionMeters meters) {
        this.config = config;
        this.table = table;
        this.transport = transport;
        this.connections = connections;
        this.meters = meters;
    }

    public String name() {
        return config.name();
    }

    public EntrypointConfig config() {
        return config;
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

    /** Open connections and bytes of this entrypoint. */
    public ConnectionMeters meters() {
        return meters;
    }

    /** Takes a new connection in, unless the entrypoint has {@code max_connections} open already. */
    boolean admit() {
        int max = config.limits().maxConnections();
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

    /** Takes options that changed on reload without a rebind (the address and protocol stayed). */
    void update(EntrypointConfig config) {
        this.config = config;
    }

    void startDraining() {
        draining = true;
    }
}
