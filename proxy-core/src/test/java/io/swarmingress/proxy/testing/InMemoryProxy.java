package io.swarmingress.proxy.testing;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.http1.Http1Front;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.TestContexts;
import io.swarmingress.proxy.server.Transport;

/**
 * The whole HTTP data path in memory, on one fake clock: client connections of the http front,
 * the forwarder, upstream connections and the endpoints behind them, all channels of one
 * {@code EmbeddedEventLoop} whose ticker the test moves by hand. So timing is tested exactly (a
 * deadline passes at its nanosecond, not "within a second or so") and without sleeping, and a
 * test plays every peer byte by byte. The routing table is built from YAML by the real parser;
 * endpoints must be IP literals (nothing is resolved, nothing is connected).
 *
 * <p>Not thread-safe, like the loop it stands for: one test thread drives it. Closing it closes
 * every channel and releases what they still hold, so leak detection sees a clean end.
 */
public final class InMemoryProxy implements AutoCloseable {
    /** The transport of in-memory entrypoints: upstream connections are {@link EmbeddedUpstream}s. */
    private static final Transport TRANSPORT = new Transport("embedded", NioIoHandler.newFactory(),
            NioServerSocketChannel.class, EmbeddedUpstream.class);

    private final MockTicker ticker = Ticker.newMockTicker();
    private final IngressMetrics metrics = new IngressMetrics();
    private final EntrypointContext entrypoint;
    private final EmbeddedPeer client;
    private final List<EmbeddedPeer> clients = new ArrayList<>();
    private final List<EmbeddedUpstream> upstreams = new ArrayList<>();

    private InMemoryProxy(String yaml, String entrypointName) {
        EmbeddedUpstream.opened();
        IngressConfig config = new ConfigParser().parse(yaml, "in-memory.yaml");
        RoutingTable table = RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC());
        entrypoint = TestContexts.of(entrypointName, table, metrics, TRANSPORT);
        client = new EmbeddedPeer(EmbeddedPeer.builder().ticker(ticker));
        accept(client);
    }

    /** A proxy for {@code yaml}, with a client connected to its entrypoint {@code web}. */
    public static InMemoryProxy start(String yaml) {
        return new InMemoryProxy(yaml, "web");
    }

    /** The first client connection, accepted when the proxy started. */
    public EmbeddedPeer client() {
        return client;
    }

    /** Another client connection to the same entrypoint, on the same loop (so it shares the upstream pool). */
    public EmbeddedPeer connect() {
        EmbeddedPeer another = new EmbeddedPeer(EmbeddedPeer.builder().register(false));
        client.eventLoop().register(another).syncUninterruptibly();
        accept(another);
        return another;
    }

    private void accept(EmbeddedPeer channel) {
        clients.add(channel);
        new Http1Front().initChannel(channel, entrypoint);
        channel.runPendingTasks();
    }

    /** The first client sends bytes. */
    public void send(String text) {
        client.send(text);
    }

    /** What the first client received since the last call. */
    public String received() {
        return client.received();
    }

    /** Moves the clock on and runs what came due, on every channel of the loop. */
    public void advance(long millis) {
        ticker.advance(millis, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        client.runPendingTasks();
        client.checkException();
        EmbeddedPeer.settle();
    }

    /** The {@code index}th upstream connection the proxy opened, from 0; fails when it opened fewer. */
    public EmbeddedUpstream upstream(int index) {
        int opened = upstreamsOpened();
        if (index >= opened) {
            throw new AssertionError("the proxy opened " + opened + " upstream connection(s), not " + (index + 1));
        }
        return upstreams.get(index);
    }

    /** How many upstream connections the proxy has opened so far. */
    public int upstreamsOpened() {
        upstreams.addAll(EmbeddedUpstream.opened());
        return upstreams.size();
    }

    public IngressMetrics metrics() {
        return metrics;
    }

    /**
     * The value of one series of the Prometheus scrape, e.g.
     * {@code ingress_requests_total{code="504",entrypoint="web",protocol="http1",service="app"}}; fails when the
     * scrape has no such series, so a check cannot pass on a meter that is missing.
     */
    public double meter(String series) {
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no series " + series + " in the scrape:\n" + metrics.scrape());
    }

    @Override
    public void close() {
        upstreamsOpened();
        for (EmbeddedPeer c : clients) {
            c.finishAndReleaseAll();
        }
        for (EmbeddedUpstream u : upstreams) {
            u.finishAndReleaseAll();
        }
        // Forgets reads still due on closed channels.
        EmbeddedPeer.settle();
        metrics.close();
    }
}
