package io.swarmingress.proxy.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.swarmingress.proxy.server.EntrypointContext;

/** Builds the client-side pipeline of an http entrypoint. */
public final class HttpPipeline {
    /** Request line and header limits in line with nginx's and HAProxy's defaults. */
    private static final int MAX_INITIAL_LINE = 8 * 1024;
    private static final int MAX_HEADER_SIZE = 16 * 1024;
    /** Large enough that a body arrives in few messages, small enough to bound what one read holds. */
    private static final int MAX_CHUNK = 64 * 1024;

    private HttpPipeline() {
    }

    static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK);
    }

    public static void configure(ChannelPipeline pipeline, EntrypointContext entrypoint) {
        // No IdleStateHandler: the proxy handler's one timer also closes idle keep-alive clients.
        // No response encoder: responses are written as bytes (see ResponseFramer and LocalResponses).
        pipeline.addLast("decoder", new HttpRequestDecoder(decoderConfig()));
        pipeline.addLast("proxy", new HttpProxyHandler(entrypoint));
    }
}
