package io.swarmingress.proxy.forward;

import java.util.function.Supplier;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * Forwards the requests of one client connection: route, service, endpoint pick, upstream lease
 * and the exchange with it, whatever protocol the client speaks. A front makes one per client
 * connection and starts an {@link Exchange} per request (an HTTP/2 front would start one per
 * stream). Upstream connections are opened and pooled on the client's own event loop, so nothing
 * here crosses threads.
 */
public final class Forwarder {
    private final String entrypoint;
    private final Supplier<RoutingTable> table;
    final EventLoop loop;
    final ByteBufAllocator alloc;
    final Class<? extends Channel> channelType;
    final Ticker ticker;

    /**
     * @param table the live routing table, read once per request
     * @param channelType the socket channel class of the client's transport, for upstream connections
     */
    public Forwarder(String entrypoint, Supplier<RoutingTable> table, EventLoop loop, ByteBufAllocator alloc,
                     Class<? extends Channel> channelType) {
        this.entrypoint = entrypoint;
        this.table = table;
        this.loop = loop;
        this.alloc = alloc;
        this.channelType = channelType;
        this.ticker = loop.ticker();
    }

    /**
     * Starts forwarding a request whose head has been read. The downstream hears how it goes,
     * possibly before this returns (no route, no endpoint).
     */
    public Exchange start(RequestHead head, Downstream downstream) {
        Exchange exchange = new Exchange(this, downstream, ticker.nanoTime());
        exchange.start(table.get(), entrypoint, head);
        return exchange;
    }

    /**
     * Closes idle upstream connections to endpoints the new table no longer has, on every loop:
     * a pool keeps connections only to live endpoints.
     */
    public static void tablePublished(RoutingTable table, EventExecutorGroup loops) {
        UpstreamPool.retainEverywhere(loops, table::hasEndpoint);
    }
}
