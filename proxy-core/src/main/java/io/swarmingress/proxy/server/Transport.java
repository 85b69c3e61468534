package io.swarmingress.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The socket implementation: native epoll on Linux (fewer copies, no selector garbage), NIO
 * elsewhere. Upstream channels use the same kind as the listener so that they can share its event
 * loop. Epoll runs through {@link HalfCloseSafeEpoll}, which keeps half-closed sockets (byte relays)
 * in the epoll set that Netty 4.2.18 would lose.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                        Class<? extends Channel> socketChannel) {

    /** Epoll when the native library loads, unless {@code -Dswarm.ingress.transport=nio}. */
    public static Transport best() {
        boolean nioForced = "nio".equals(System.getProperty("swarm.ingress.transport"));
        if (!nioForced && Epoll.isAvailable()) {
            return new Transport("epoll", new HalfCloseSafeEpoll(), EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return nio();
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** Why epoll is not in use, for the start-up log line; null when it is. */
    public String fallbackReason() {
        if (name.equals("epoll")) {
            return null;
        }
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? "requested" : cause.toString();
    }

    public MultiThreadIoEventLoopGroup newGroup(int threads, String threadPrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(threadPrefix, true),
                ioHandlerFactory);
    }
}
