package io.swarmingress.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.routing.RoutingTable;

/** Entrypoint contexts for handler tests that run without a server (EmbeddedChannel). */
public final class TestContexts {
    private TestContexts() {
    }

    public static EntrypointContext of(IngressConfig config, String entrypoint, RoutingTable table) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ConnectionMeters meters = new ConnectionMeters(new AtomicInteger(), registry.counter("in"), registry.counter("out"));
        return new EntrypointContext(config.entrypoint(entrypoint), new AtomicReference<>(table), Transport.nio(),
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), meters);
    }
}
