package io.swarmingress.proxy.http;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
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
        long idle = entrypoint.config().clientIdleTimeout().toMillis();
        // Reader idleness only: an all-idle check would wrap every write in a promise and a listener.
        pipeline.addLast("idle", new IdleStateHandler(idle, 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("codec", new HttpServerCodec(decoderConfig()));
        pipeline.addLast("proxy", new HttpProxyHandler(entrypoint));
    }
}
