package io.swarmingress.proxy.http1;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutorGroup;
import io.swarmingress.proxy.forward.Forwarder;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.Front;

/**
 * The HTTP/1.1 front of http entrypoints. The client pipeline is one handler: no codec (requests
 * are read and responses written as bytes) and no IdleStateHandler (the connection's one timer
 * also closes idle keep-alive clients).
 */
public final class Http1Front implements Front {
    /** The name of the one handler; another front that takes the connection over removes it by this name. */
    public static final String HANDLER = "http1";

    @Override
    public void initChannel(Channel ch, EntrypointContext entrypoint) {
        ch.pipeline().addLast(HANDLER, new Http1Connection(entrypoint));
    }

    @Override
    public void tablePublished(RoutingTable table, EventExecutorGroup loops) {
        Forwarder.tablePublished(table, loops);
    }
}
