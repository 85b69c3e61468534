package io.swarmingress.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;

/** The pipeline of an upstream connection: the client codec, then the handler that relays to the client. */
final class UpstreamInitializer extends ChannelInitializer<Channel> {
    private final UpstreamHandler handler;

    UpstreamInitializer(UpstreamHandler handler) {
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast("codec", new HttpClientCodec(HttpPipeline.decoderConfig(), false, false));
        ch.pipeline().addLast("upstream", handler);
    }
}
