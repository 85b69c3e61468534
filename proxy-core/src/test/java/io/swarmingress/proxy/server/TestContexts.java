package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.routing.RoutingTable;

/** Entrypoint contexts for handler tests that run without a server (EmbeddedChannel). */
public final class TestContexts {
    private TestContexts() {
    }

    public static EntrypointContext of(IngressConfig config, String entrypoint, RoutingTable table) {
        return new EntrypointContext(config.entrypoint(entrypoint), new AtomicReference<>(table), Transport.nio(),
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
    }
}
