package io.swarmingress.proxy.server;

import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.swarmingress.config.EntrypointConfig;

/**
 * What every connection accepted on an entrypoint starts with: closed at once when the entrypoint
 * has {@code max_connections} open, else tracked (for draining) and given, in wire order, the
 * {@link ProxyProtocolReader} when the entrypoint requires a PROXY header, the {@link Layer}s it
 * asks for (TLS) and its protocol's {@link Front}. Behind a PROXY header the layers and the front
 * join once the header is read, so a TLS handshake begins with the first byte after it.
 */
@ChannelHandler.Sharable
final class ConnectionInitializer extends ChannelInitializer<Channel> {
    private final EntrypointContext entrypoint;
    private final ChannelGroup connections;
    private final List<Layer> layers;
    private final Front front;

    ConnectionInitializer(EntrypointContext entrypoint, ChannelGroup connections, List<Layer> layers, Front front) {
        this.entrypoint = entrypoint;
        this.connections = connections;
        this.layers = List.copyOf(layers);
        this.front = front;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!entrypoint.admit()) {
            // At max_connections: this one is closed before it costs a handler.
            entrypoint.meters().rejected();
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> entrypoint.leave());
        connections.add(ch);
        EntrypointConfig options = entrypoint.options();
        if (options != null && options.proxyProtocol()) {
            // The rest starts once the PROXY header has told who the client is.
            ProxyProtocolReader.install(ch, entrypoint, this::start, options.limits().header());
        } else {
            start(ch, entrypoint);
        }
    }

    /** The layers' handlers, then the front's. */
    private void start(Channel ch, EntrypointContext context) {
        for (Layer layer : layers) {
            layer.initChannel(ch, context);
        }
        front.initChannel(ch, context);
    }
}
