package io.swarmingress.proxy.server;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Protocol;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.proxy.health.HealthChecker;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * The running data plane: one event loop group, a listener per entrypoint, and the live routing
 * table. Config changes arrive through {@link #apply} and discovery's through
 * {@link #applyDiscovery}; both build a new table on the caller's thread (never an event loop)
 * and publish it with one atomic swap. Connections keep the table they read for the request or
 * relay in progress.
 *
 * <p>Listeners know no protocol: each entrypoint's connections get the handlers of the
 * {@link Front} wired for its protocol, behind the {@link Layer}s it asks for (TLS) and the
 * {@link ProxyProtocolReader} when it requires a PROXY protocol header (connection-level concerns
 * of every protocol); {@link ConnectionInitializer} puts them in place.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final IngressMetrics metrics;
    private final Map<Protocol, Front> fronts;
    /** Handlers ahead of the fronts (TLS), in wire order. */
    private final List<Layer> layers;
    private final Clock clock;
    private final Ticker ticker;
    private final Transport transport;
    /**
     * Every entrypoint's loops, the tcp relay's too: on epoll, {@link HalfCloseSafeEpoll} keeps the
     * half-closed sockets a relay needs, which Netty 4.2.18's epoll alone loses.
     */
    private final EventLoopGroup group;
    private final int ioThreads;
    /** Active health checks, on a loop of their own (its thread starts only when a service has checks). */
    private final HealthChecker healthChecker;
    private final AtomicReference<RoutingTable> table = new AtomicReference<>();
    private final ChannelGroup connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    /** The port each entrypoint is bound to, for answers that name another entrypoint (an HTTPS redirect). */
    private volatile Map<String, Integer> ports = Map.of();
    /** The config as the file says it; the live table adds what discovery found to it. */
    private IngressConfig fileConfig;
    private DiscoverySnapshot discovered = DiscoverySnapshot.EMPTY;
    private boolean closed;

    private record Listener(EntrypointConfig config, Channel channel, EntrypointContext context) {
    }

    private ProxyServer(IngressMetrics metrics, Map<Protocol, Front> fronts, List<Layer> layers, Transport transport, int ioThreads,
                        Clock clock, Ticker ticker) {
        this.metrics = metrics;
        this.fronts = Map.copyOf(fronts);
        this.layers = List.copyOf(layers);
        this.clock = clock;
        this.ticker = ticker;
        this.transport = transport;
        this.ioThreads = ioThreads;
        this.group = transport.newGroup(ioThreads, "ingress-io");
        this.healthChecker = new HealthChecker(transport.newGroup(1, "ingress-health"), transport.socketChannel());
    }

    /**
     * Binds every entrypoint of the config; fails (and releases everything) when one cannot bind.
     *
     * @param fronts the front of each protocol entrypoints may speak
     * @param layers what entrypoints may ask for ahead of their front (TLS), in wire order; closed with the server
     * @param clock the wall clock tables are stamped with; {@code ticker} times the shutdown grace
     */
    public static ProxyServer start(IngressConfig config, IngressMetrics metrics, Map<Protocol, Front> fronts, List<Layer> layers,
                                    Transport transport, Clock clock, Ticker ticker) {
        ProxyServer server = new ProxyServer(metrics, fronts, layers, transport, config.ioThreads(), clock, ticker);
        try {
            server.apply(config);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public Transport transport() {
        return transport;
    }

    public RoutingTable table() {
        return table.get();
    }

    /**
     * Makes a new config live. New or moved entrypoints are bound first; if one cannot bind, the
     * old config stays in force and the exception says why. Listeners that stay keep their
     * sockets, so established connections and the accept queue are untouched. New listeners start
     * accepting once the new table is published (until then the kernel queues their clients).
     */
    public synchronized void apply(IngressConfig file) {
        if (closed) {
            throw new IllegalStateException("the proxy is shut down");
        }
        if (table.get() != null && file.ioThreads() != ioThreads) {
            log.warn("io_threads changed from {} to {}: this takes effect on restart", ioThreads, file.ioThreads());
        }
        IngressConfig config = merge(file, discovered);
        RoutingTable next = RoutingTable.build(config, discovered.endpoints(), discovered.fallbacks(), table.get(), metrics, clock);
        Layer.Staged staged = Layer.prepareAll(layers, config);
        Map<String, Listener> bound = new HashMap<>();
        try {
            for (EntrypointConfig ec : config.entrypoints()) {
                Listener existing = listeners.get(ec.name());
                if (existing == null || !sameSocket(existing, ec)) {
                    bound.put(ec.name(), bind(ec));
                }
            }
        } catch (RuntimeException e) {
            for (Listener l : bound.values()) {
                l.channel().close();
            }
            staged.abandon();
            throw e;
        }
        staged.commit();
        publish(next);
        for (Listener fresh : bound.values()) {
            // Accepting only now: a connection taken before the table that knows its entrypoint is
            // in force would find no entrypoint options to start with.
            fresh.channel().config().setAutoRead(true);
        }
        List<Listener> retired = new ArrayList<>();
        Map<String, Listener> current = new LinkedHashMap<>();
        for (EntrypointConfig ec : config.entrypoints()) {
            Listener fresh = bound.get(ec.name());
            if (fresh != null) {
                Listener old = listeners.get(ec.name());
                if (old != null) {
                    retired.add(old);
                }
                current.put(ec.name(), fresh);
            } else {
                Listener kept = listeners.get(ec.name());
                current.put(ec.name(), new Listener(ec, kept.channel(), kept.context()));
            }
        }
        for (Map.Entry<String, Listener> e : listeners.entrySet()) {
            if (!current.containsKey(e.getKey())) {
                retired.add(e.getValue());
            }
        }
        for (Listener l : retired) {
            log.info("entrypoint {} stops listening on {}", l.config().name(), l.channel().localAddress());
            l.channel().close();
        }
        listeners.clear();
        listeners.putAll(current);
        Map<String, Integer> bports = new HashMap<>();
        for (Listener l : current.values()) {
            bports.put(l.config().name(), ((InetSocketAddress) l.channel().localAddress()).getPort());
        }
        ports = Map.copyOf(bports);
        fileConfig = file;
    }

    /**
     * What discovery found: endpoints of Swarm-backed services, and services and routes from
     * labels. Rebuilds the table only when the snapshot differs from the one in force.
     */
    public synchronized void applyDiscovery(DiscoverySnapshot snapshot) {
        if (closed) {
            return;
        }
        boolean same = snapshot.sameContent(discovered);
        discovered = snapshot;
        if (same) {
            return;
        }
        RoutingTable current = table.get();
        if (current != null && fileConfig != null) {
            publish(RoutingTable.build(merge(fileConfig, snapshot), snapshot.endpoints(), snapshot.fallbacks(), current, metrics, clock));
        }
    }

    /**
     * The file's config plus label services and routes. Discovery already drops label routes that
     * clash with the file it was built for; if the file changed since and a clash remains, the file
     * alone is served and the clash is logged, never half a table.
     */
    private static IngressConfig merge(IngressConfig file, DiscoverySnapshot snapshot) {
        try {
            return snapshot.mergeInto(file);
        } catch (ConfigException e) {
            log.warn("routes from Swarm labels conflict with the config file and are left out until the next discovery "
                    + "update:\n  {}", e.getMessage().replace("\n", "\n  "));
            return file;
        }
    }

    private void publish(RoutingTable next) {
        table.set(next);
        metrics.serviceEndpoints(next.services().keySet(), name -> {
            Service s = table.get().service(name);
            return s == null ? 0 : s.endpoints().size();
        });
        for (Front front : fronts.values()) {
            front.tablePublished(next, group);
        }
        healthChecker.tablePublished(next);
    }

    /** Whether a listener already serves what the entrypoint asks for (port 0 matches the port it got). */
    private static boolean sameSocket(Listener existing, EntrypointConfig wanted) {
        if (existing.config().protocol() != wanted.protocol()) {
            return false;
        }
        HostPort had = existing.config().address();
        HostPort want = wanted.address();
        if (had.equals(want)) {
            return true;
        }
        int bound = ((InetSocketAddress) existing.channel().localAddress()).getPort();
        return had.port() == 0 && had.host().equals(want.host()) && want.port() == bound;
    }

    private Listener bind(EntrypointConfig ec) {
        Front front = fronts.get(ec.protocol());
        if (front == null) {
            throw new IllegalStateException("entrypoint " + ec.name() + ": no front for protocol " + ec.protocol().configName());
        }
        ConnectionMeters meters = metrics.connections(ec.name(), ec.protocol().configName());
        EntrypointContext context = new EntrypointContext(ec.name(), table, transport, connections, meters,
                name -> ports.getOrDefault(name, 0));
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Bound and listening (the kernel queues connections) but not accepting until
                // apply has published the table: see there.
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ConnectionInitializer(context, connections, layers, front));
        front.childOptions(b);
        InetSocketAddress address = new InetSocketAddress(ec.address().host(), ec.address().port());
        Channel channel;
        try {
            channel = b.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("entrypoint " + ec.name() + " cannot listen on " + ec.address() + ": " + e, e);
        }
        log.info("entrypoint {} ({}) listening on {} ({})", ec.name(), ec.protocol().configName(), channel.localAddress(),
                transport.name());
        return new Listener(ec, channel, context);
    }

    /** The address an entrypoint is bound to; tests bind port 0 and ask. */
    public synchronized InetSocketAddress address(String entrypoint) {
        Listener l = listeners.get(entrypoint);
        return l == null ? null : (InetSocketAddress) l.channel().localAddress();
    }

    /** Open client connections, over all entrypoints. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Stops accepting, lets requests in flight finish for up to {@code grace}, then closes what is
     * left. Idle keep-alive connections close at once; busy ones after their current response.
     */
    public void shutdown(Duration grace) {
        List<Listener> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(listeners.values());
            listeners.clear();
        }
        for (Listener l : toClose) {
            l.channel().close().syncUninterruptibly();
            l.context().startDraining();
        }
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE));
        }
        long deadline = ticker.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && ticker.nanoTime() - deadline < 0) {
            try {
                ticker.sleepMillis(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            log.warn("{} connections still open after the {} ms grace period; closing them", connections.size(), grace.toMillis());
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        healthChecker.close();
        for (Layer layer : layers) {
            layer.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
