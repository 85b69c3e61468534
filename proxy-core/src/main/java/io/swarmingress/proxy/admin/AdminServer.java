package io.swarmingress.proxy.admin;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.config.AdminConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.metrics.MeterReadings;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.Transport;

/**
 * The admin listener: the dashboard, its JSON API, {@code /metrics}, {@code /healthz} and
 * {@code /routes}, on a thread of its own, so a slow scrape or a dashboard never delays a proxied
 * request. The same thread samples the meters once a second into the charts' history
 * ({@link TrafficHistory}): the data plane does nothing for the dashboard.
 */
public final class AdminServer implements AutoCloseable {
    /** How often the charts' history reads the meters. */
    static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(1);

    private final EventLoopGroup group;
    private final Channel channel;
    private final Channel probes;
    private final AtomicBoolean draining;
    private final ScheduledFuture<?> sampler;
    private final BasicAuth auth;

    private AdminServer(EventLoopGroup group, Channel channel, Channel probes, AtomicBoolean draining, ScheduledFuture<?> sampler,
                        BasicAuth auth) {
        this.group = group;
        this.channel = channel;
        this.probes = probes;
        this.draining = draining;
        this.sampler = sampler;
        this.auth = auth;
    }

    /**
     * Binds the admin address and starts sampling.
     *
     * @throws io.swarmingress.config.ConfigException when the htpasswd file cannot be used (file and line)
     * @throws IllegalStateException when the address cannot be bound
     */
    public static AdminServer start(AdminConfig config, Transport transport, AdminSources sources) {
        BasicAuth auth = config.htpasswd() == null ? null : BasicAuth.load(Path.of(config.htpasswd()));
        DashboardPage page = DashboardPage.load();
        EventLoopGroup group = transport.newGroup(1, "ingress-admin");
        AtomicBoolean draining = new AtomicBoolean();
        TrafficHistory history = new TrafficHistory(TrafficHistory.DEFAULT_CAPACITY);
        KnownTasks known = new KnownTasks();
        AdminHandler.Health health = () -> draining.get() ? "draining" : sources.table().get() == null ? "starting" : null;
        try {
            Channel ch = bind(group, transport, config.address(),
                    () -> new AdminHandler(sources, history, known, SAMPLE_INTERVAL.toMillis(), page, auth, health, false));
            Channel probes = config.probes() == null ? null : bind(group, transport, config.probes(),
                    () -> new AdminHandler(sources, history, known, SAMPLE_INTERVAL.toMillis(), page, auth, health, true));
            // The one loop of the group: sampling and the handlers share it, so the history needs no lock.
            ScheduledFuture<?> sampler = ch.eventLoop().scheduleAtFixedRate(() -> sample(sources, history, known), 0,
                    SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            return new AdminServer(group, ch, probes, draining, sampler, auth);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (auth != null) {
                auth.close();
            }
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup group, Transport transport, HostPort address, Supplier<AdminHandler> handler) {
        try {
            return new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), handler.get());
                        }
                    })
                    .bind(new InetSocketAddress(address.host(), address.port()))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            throw new IllegalStateException("admin cannot listen on " + address + ": " + e, e);
        }
    }

    /**
     * Without discovery, reload history, auth or listener addresses: {@code /metrics},
     * {@code /healthz}, {@code /routes} and the dashboard of a bare table (tests, embedders).
     */
    public static AdminServer start(HostPort address, Transport transport, IngressMetrics metrics, Supplier<RoutingTable> table,
                                    Supplier<Map<String, Object>> extra, Clock clock) {
        return start(new AdminConfig(address), transport,
                new AdminSources(metrics, table, name -> null, extra, () -> null, new ReloadHistory(), null, clock));
    }

    /** Reads the meters Prometheus reads and adds the interval to the history; notes the tasks behind the endpoints. */
    static void sample(AdminSources sources, TrafficHistory history, KnownTasks known) {
        RoutingTable table = sources.table().get();
        DiscoveryStatus discovery = sources.discovery().get();
        known.remember(table, discovery == null ? DiscoverySnapshot.EMPTY : discovery.snapshot());
        Set<String> services = new HashSet<>();
        if (table != null) {
            services.addAll(table.services().keySet());
        }
        services.add(RoutingTable.NO_SERVICE);
        history.sample(sources.clock().millis(), MeterReadings.byService(sources.metrics().registry()), services);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The probes listener's address, or null without one. */
    public InetSocketAddress probesAddress() {
        return probes == null ? null : (InetSocketAddress) probes.localAddress();
    }

    /**
     * From now on {@code /healthz} answers 503 "draining", while everything else keeps working:
     * a load balancer in front stops sending new connections before the listeners close.
     */
    public void startDraining() {
        draining.set(true);
    }

    @Override
    public void close() {
        sampler.cancel(false);
        channel.close().awaitUninterruptibly();
        if (probes != null) {
            probes.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (auth != null) {
            auth.close();
        }
    }
}
