package io.swarmingress.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutorGroup;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * What a protocol brings to a listener: the handlers of each accepted connection, and what must
 * happen when a new routing table goes live. Listeners know no protocol; the process wires one
 * front per entrypoint protocol ({@code http}, {@code tcp}), so adding a protocol adds a front
 * and touches no listener code.
 */
public interface Front {
    /** Adds the protocol's handlers to a connection just accepted on the entrypoint. */
    void initChannel(Channel ch, EntrypointContext entrypoint);

    /** Sets the accepted connections' options the protocol needs (auto-read, half-closure). */
    default void childOptions(ServerBootstrap bootstrap) {
    }

    /** A new table went live: e.g. close pooled connections to endpoints it no longer has, on every loop. */
    default void tablePublished(RoutingTable table, EventExecutorGroup loops) {
    }
}
