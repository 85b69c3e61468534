package io.swarmingress.proxy.http;

import io.netty.channel.ChannelPipeline;
import io.swarmingress.proxy.server.EntrypointContext;

/** Builds the client-side pipeline of an http entrypoint. */
public final class HttpPipeline {
    private HttpPipeline() {
    }

    public static void configure(ChannelPipeline pipeline, EntrypointContext entrypoint) {
        // No codec: the proxy handler reads requests and writes responses as bytes (RequestParser,
        // ResponseFramer). No IdleStateHandler: its one timer also closes idle keep-alive clients.
        pipeline.addLast("proxy", new HttpProxyHandler(entrypoint));
    }
}
