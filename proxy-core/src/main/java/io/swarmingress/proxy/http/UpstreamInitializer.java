package io.swarmingress.proxy.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * The pipeline of an upstream connection: the pool's idle check, then the handler that relays to
 * the client. No codec: requests are written and responses framed as bytes.
 */
final class UpstreamInitializer extends ChannelInitializer<Channel> {
    private final UpstreamHandler handler;
    private final Duration idle;

    /** @param idle how long the connection may sit unused in the pool before it is closed */
    UpstreamInitializer(UpstreamHandler handler, Duration idle) {
        this.handler = handler;
        this.idle = idle;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast("idle", new IdleStateHandler(idle.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ch.pipeline().addLast("upstream", handler);
    }
}
