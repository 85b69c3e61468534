package io.swarmingress.proxy.forward;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ProxyProtocolVersion;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.HashKeys;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * Forwards the requests of one client connection: route, service, endpoint pick, upstream lease
 * and the exchange with it, whatever protocol the client speaks. A front makes one per client
 * connection and starts an {@link Exchange} per request (an HTTP/2 front would start one per
 * stream). Upstream connections are opened and pooled on the client's own event loop, so nothing
 * here crosses threads.
 *
 * <p>Upstream connections of most services go back to the loop's pool and serve any client
 * next. Those of a service with {@code send_proxy_protocol} (their PROXY header names this
 * client) or {@code upstream_reuse: per_client} stay in a pool of this client connection's own,
 * which {@link #close} closes when the client connection ends.
 */
public final class Forwarder {
    private final String entrypoint;
    private final Supplier<RoutingTable> table;
    final EventLoop loop;
    final ByteBufAllocator alloc;
    final Class<? extends Channel> channelType;
    final Ticker ticker;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress clientDestination;
    /** {@link HashKeys#of(InetSocketAddress)} of the client; computed on first use. */
    private long clientKey;
    private boolean clientKeyKnown;
    /** This client connection's own upstream connections; made on first use. */
    private UpstreamPool ownPool;
    private boolean closed;

    /**
     * @param table the live routing table, read once per request
     * @param channelType the socket channel class of the client's transport, for upstream connections
     * @param clientAddress the client's address (from a PROXY header when there was one), or null
     * @param clientDestination the address the client connected to, or null; with
     *                          {@code clientAddress}, what a PROXY header sent upstream says
     */
    public Forwarder(String entrypoint, Supplier<RoutingTable> table, EventLoop loop, ByteBufAllocator alloc,
                     Class<? extends Channel> channelType, InetSocketAddress clientAddress, InetSocketAddress clientDestination) {
        this.entrypoint = entrypoint;
        this.table = table;
        this.loop = loop;
        this.alloc = alloc;
        this.channelType = channelType;
        this.ticker = loop.ticker();
        this.clientAddress = clientAddress;
        this.clientDestination = clientDestination;
    }

    /** Without the client's addresses: a PROXY header sent upstream says UNKNOWN (v1) or LOCAL (v2). */
    public Forwarder(String entrypoint, Supplier<RoutingTable> table, EventLoop loop, ByteBufAllocator alloc,
                     Class<? extends Channel> channelType) {
        this(entrypoint, table, loop, alloc, channelType, null, null);
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

    /** The client's address as a hash key (for {@code lb: hash} on {@code client_address}), the same for each of its requests. */
    long clientKey() {
        if (!clientKeyKnown) {
            clientKey = HashKeys.of(clientAddress);
            clientKeyKnown = true;
        }
        return clientKey;
    }

    /** Where the service's idle upstream connections wait: the loop's pool, or this client connection's own. */
    UpstreamPool pool(Service service) {
        if (!service.config().upstream().perClient()) {
            return UpstreamPool.current();
        }
        if (ownPool == null) {
            ownPool = UpstreamPool.privateScope();
            if (closed) {
                ownPool.close();
            }
        }
        return ownPool;
    }

    /**
     * Sends a request's head, and the body kept so far, to the endpoint for the exchange: over an
     * idle pooled connection to it, or a new one. The new one connects last, once the exchange
     * knows it ({@link Exchange#using}): a connect that fails at once reports before this returns.
     */
    void send(Exchange exchange, Service service, Endpoint endpoint, RequestHead head, String path, Retries retries) {
        if (service.config().upstream().h2c()) {
            H2cUpstreams.current().send(this, exchange, service, endpoint, head, path, retries);
            return;
        }
        UpstreamPool pool = pool(service);
        UpstreamConnection pooled = pool.acquire(endpoint.address());
        UpstreamConnection c = pooled != null ? pooled : new UpstreamConnection(exchange, endpoint, service.timeouts(), pool);
        exchange.using(c);
        c.lease(exchange);
        c.framer.start(head.methodIs("HEAD"));
        c.write(head.encode(alloc, path, head.host() == null ? endpoint.address().toString() : null));
        retries.resend(c);
        if (pooled == null) {
            c.connect(endpoint, service.timeouts(), loop, channelType, proxyHeader(service));
        }
    }

    /** The PROXY header a new upstream connection of the service starts with, or null when it sends none. */
    ByteBuf proxyHeader(Service service) {
        ProxyProtocolVersion version = service.config().upstream().sendProxyProtocol();
        return version == null ? null : ProxyProtocolHeader.encode(alloc, version, clientAddress, clientDestination);
    }

    /**
     * The client connection closed: its own upstream connections close too. The exchange in
     * progress, if any, is the front's to cancel.
     */
    public void close() {
        closed = true;
        if (ownPool != null) {
            ownPool.close();
        }
    }

    /**
     * Closes idle upstream connections to endpoints the new table no longer has, on every loop:
     * a pool keeps connections only to live endpoints. (A client connection's own pool keeps them
     * until they idle out or it closes: no request picks a removed endpoint.)
     */
    public static void tablePublished(RoutingTable table, EventExecutorGroup loops) {
        UpstreamPool.retainEverywhere(loops, table::hasEndpoint);
        H2cUpstreams.retainEverywhere(loops, table::hasEndpoint);
    }
}
