package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.swarmingress.config.Timeouts;

/**
 * The options of an upstream socket, read back from the kernel: a connection whose peer vanished
 * (a lost node acknowledges nothing) ends after the connect timeout instead of holding a request
 * for the response timeout. The node loss itself is tested on a real swarm (MeshClusterIT).
 */
class UpstreamSocketOptionsTest {
    @Test
    void unacknowledgedBytesEndAConnectionAfterTheConnectTimeout() throws Exception {
        assertThat(Epoll.isAvailable()).as("epoll, as the proxy uses on Linux").isTrue();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Timeouts timeouts = new Timeouts(Duration.ofMillis(1500), Duration.ofSeconds(30), Duration.ofSeconds(60));
            Channel ch = UpstreamConnection.bootstrap(timeouts, group.next(), EpollSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort())).sync().channel();
            try (Socket accepted = server.accept()) {
                assertThat(ch.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo(1500);
                assertThat(ch.config().getOption(io.netty.channel.ChannelOption.TCP_NODELAY)).isTrue();
            } finally {
                ch.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
