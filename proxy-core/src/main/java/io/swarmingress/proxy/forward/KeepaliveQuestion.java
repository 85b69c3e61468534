package io.swarmingress.proxy.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Errors;

/**
 * Asks the kernel of a quiet upstream peer whether it is still there, with TCP keepalive probes
 * turned on for just that connection. A request that the peer's kernel acknowledged just before
 * its node died leaves nothing in flight, so nothing is retransmitted and {@link TcpSample} cannot
 * tell that peer from a backend that takes its time. A keepalive probe can: a live kernel answers
 * it whether or not its application has answered the request, and a gone one answers nothing, so
 * after {@value #PROBES} unanswered probes the kernel fails the socket with {@code ETIMEDOUT}.
 *
 * <p>Only on suspicion, never for every connection: probes on every idle pooled connection would
 * cost packets for nothing. A slow backend pays one probe a second until its response is over,
 * and the question is withdrawn once the connection is back in the pool or becomes a tunnel.
 */
final class KeepaliveQuestion {
    /** Seconds of silence before the first probe and between probes (the kernel counts in seconds). */
    private static final int SECONDS = 1;
    /** Unanswered probes before the kernel gives up: two, so that one lost packet is not a verdict. */
    static final int PROBES = 2;
    /**
     * {@code -ETIMEDOUT} (Linux's generic errno 110, on every architecture Netty ships epoll for;
     * Netty's {@code Errors} has no constant for it): the kernel's verdict, unless an ICMP
     * error came back for the probes, which it reports instead (host or network unreachable).
     */
    private static final int ETIMEDOUT_NEGATIVE = -110;

    private KeepaliveQuestion() {
    }

    /** Turns the probes on; false when the transport cannot (not epoll) or the socket is gone. */
    static boolean ask(Channel channel) {
        if (!(channel instanceof EpollSocketChannel) || !channel.isActive()) {
            return false;
        }
        try {
            // The timing first: SO_KEEPALIVE arms the kernel's timer with whatever idle time is set.
            channel.config().setOption(EpollChannelOption.TCP_KEEPIDLE, SECONDS);
            channel.config().setOption(EpollChannelOption.TCP_KEEPINTVL, SECONDS);
            channel.config().setOption(EpollChannelOption.TCP_KEEPCNT, PROBES);
            return channel.config().setOption(ChannelOption.SO_KEEPALIVE, true);
        } catch (ChannelException e) {
            return false;
        }
    }

    /** Turns the probes off again: the peer answered, and the connection goes back to the pool. */
    static void withdraw(Channel channel) {
        if (!channel.isActive()) {
            return;
        }
        try {
            channel.config().setOption(ChannelOption.SO_KEEPALIVE, false);
        } catch (ChannelException e) {
            // Closing already: nothing left to withdraw.
        }
    }

    /** Whether a connection failed because its peer answered no probe. */
    static boolean unanswered(Throwable cause) {
        if (!(cause instanceof Errors.NativeIoException e)) {
            return false;
        }
        int err = e.expectedErr();
        return err == ETIMEDOUT_NEGATIVE || err == Errors.ERROR_EHOSTUNREACH_NEGATIVE
                || err == Errors.ERROR_ENETUNREACH_NEGATIVE;
    }
}
