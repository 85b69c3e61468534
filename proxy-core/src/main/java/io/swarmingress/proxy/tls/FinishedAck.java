package io.swarmingress.proxy.tls;

import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Acknowledges the client's TLS 1.3 Finished at once, then leaves the pipeline.
 *
 * <p>Why: BoringSSL sends its session ticket with the server's first flight, so after the client's
 * Finished the server has nothing to say until the request arrives, and Linux delays the ACK of the
 * Finished by up to 40 ms. A client that leaves Nagle on (wrk does) holds its request until that
 * ACK: every new connection then waited ~40 ms, four times HAProxy's time per connection (OpenSSL
 * sends its ticket after the Finished, which acknowledges it). {@code TCP_QUICKACK} sends the
 * pending ACK now. Epoll only; on NIO the option is not reachable and nothing is done.
 */
final class FinishedAck extends ChannelInboundHandlerAdapter {
    /** Sends the pending ACK of an epoll socket now. */
    static final Consumer<Channel> QUICK_ACK = ch -> {
        if (ch instanceof EpollSocketChannel) {
            ch.config().setOption(EpollChannelOption.TCP_QUICKACK, true);
        }
    };

    private final Consumer<Channel> ack;

    /** @param ack what acknowledges the received bytes now ({@link #QUICK_ACK}) */
    FinishedAck(Consumer<Channel> ack) {
        this.ack = ack;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            if (((SslHandshakeCompletionEvent) evt).isSuccess()) {
                ack.accept(ctx.channel());
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }
}
