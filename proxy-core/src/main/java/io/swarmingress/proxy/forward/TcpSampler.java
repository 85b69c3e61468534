package io.swarmingress.proxy.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;

/**
 * Reads a connection's {@link TcpSample} from the kernel. Only the epoll transport can
 * ({@code getsockopt(TCP_INFO)}, a non-blocking system call); on NIO, or off Linux, there is no
 * sampler and upstream connections are not probed.
 */
interface TcpSampler {
    /** @return the connection's sample now, or null when it cannot be read (e.g. the socket just closed) */
    TcpSample sample(Channel channel);

    /** The sampler for upstream connections of this channel type, or null when the transport cannot tell. */
    static TcpSampler of(Class<? extends Channel> channelType) {
        return EpollSocketChannel.class.isAssignableFrom(channelType) ? TcpSampler::epoll : null;
    }

    private static TcpSample epoll(Channel channel) {
        if (!(channel instanceof EpollSocketChannel epoll) || !channel.isActive()) {
            return null;
        }
        try {
            EpollTcpInfo info = epoll.tcpInfo();
            return new TcpSample(info.unacked(), info.retransmits(), info.lastAckRecv());
        } catch (ChannelException e) {
            return null;
        }
    }
}
