package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;

/** Entrypoint contexts for handler tests that run without a server (EmbeddedChannel). */
public final class TestContexts {
    private TestContexts() {
    }

    public static EntrypointContext of(IngressConfig config, String entrypoint, RoutingTable table) {
        return of(config, entrypoint, table, new IngressMetrics());
    }

    /** With the connection meters of {@code metrics}, so a test can read them from its scrape. */
    public static EntrypointContext of(IngressConfig config, String entrypoint, RoutingTable table, IngressMetrics metrics) {
        return of(entrypoint, table, metrics, Transport.nio());
    }

    /**
     * With the upstream channel type of {@code transport}: an in-memory test names a channel class
     * of its own there, so the forwarder's upstream connections stay on the client's loop and clock.
     */
    public static EntrypointContext of(String entrypoint, RoutingTable table, IngressMetrics metrics, Transport transport) {
        ConnectionMeters meters = metrics.connections(entrypoint, "http");
        return new EntrypointContext(entrypoint, new AtomicReference<>(table), transport,
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), meters, name -> 0);
    }

    /** What shutdown does to each entrypoint before it sends the drain event down every connection. */
    public static void startDraining(EntrypointContext context) {
        context.startDraining();
    }
}
