package io.swarmingress.proxy.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.Front;

/**
 * The front of tcp entrypoints: a byte relay to one endpoint of the entrypoint's service (on a
 * TLS passthrough entrypoint, the service the ClientHello's server name routes to). Reads
 * are driven by hand (auto-read off) for flow control, and a half-close is carried to the other
 * side, so accepted connections allow half-closure.
 */
public final class TcpFront implements Front {
    @Override
    public void initChannel(Channel ch, EntrypointContext entrypoint) {
        ch.pipeline().addLast("metrics", new ConnectionMetricsHandler(entrypoint.meters()));
        EntrypointConfig options = entrypoint.table().entrypoint(entrypoint.name());
        boolean passthrough = options != null && options.tlsPassthrough();
        if (passthrough) {
            ch.pipeline().addLast("sni", new SniRouter(entrypoint, options.limits().header().toNanos()));
        }
        TcpRelay.configure(ch.pipeline(), entrypoint, passthrough);
    }

    @Override
    public void childOptions(ServerBootstrap bootstrap) {
        bootstrap.childOption(ChannelOption.AUTO_READ, false).childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
}
