package io.swarmingress.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * The epoll transport with a half-closed socket, on real sockets: a client sends its request and
 * shuts its output down, and only then does the server start a reply far larger than the socket
 * buffers, so the reply has to wait for EPOLLOUT on a socket whose input is already shut down.
 * That is what a byte relay (tcp entrypoints, TLS passthrough, WebSocket tunnels) does when the
 * client's FIN comes before the upstream's answer.
 *
 * <p>Netty 4.2.18's {@link EpollIoHandler} alone loses such a socket (see {@link HalfCloseSafeEpoll}
 * for the sequence); the second test keeps that on record, so that a Netty upgrade that fixes it
 * fails here and says the workaround may go.
 */
@Timeout(60)
class HalfClosedEpollSocketTest {
    /** Far above loopback socket buffers: the reply cannot leave in one write. */
    private static final int REPLY = 8 * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;

    private EventLoopGroup group;

    @AfterEach
    void shutDown() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aHalfClosedSocketTakesAReplyLargerThanItsBuffersOnTheDefaultTransport() throws Exception {
        Transport transport = Transport.best();
        assertThat(transport.name()).as("the native transport loads on the Linux machines this runs on").isEqualTo("epoll");

        Exchange exchange = exchange(transport);

        assertThat(exchange.serverReply.get(10, TimeUnit.SECONDS)).as("the server's write and output shutdown").isNull();
        assertThat(exchange.readFailure).isNull();
        assertThat(exchange.received).as("reply bytes after the client's half-close").isEqualTo(REPLY);
    }

    @Test
    void nettysEpollHandlerAloneLosesTheHalfClosedSocket() throws Exception {
        Transport raw = new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);

        Exchange exchange = exchange(raw);

        Throwable failure = exchange.serverReply.get(10, TimeUnit.SECONDS);
        assertThat(failure).as("the reply's write").isNotNull();
        assertThat(failure).hasStackTraceContaining("epoll_ctl").hasStackTraceContaining("No such file or directory");
        assertThat(exchange.received).isLessThan(REPLY);
    }

    /** What the client got, and how the server's reply ended (null: written in full and output shut down). */
    private record Exchange(long received, IOException readFailure, CompletableFuture<Throwable> serverReply) {
    }

    private Exchange exchange(Transport transport) throws Exception {
        group = transport.newGroup(1, "half-closed-test");
        CompletableFuture<Throwable> serverReply = new CompletableFuture<>();
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // Small and fixed (no autotuning): the reply cannot fit in the socket buffers.
                .childOption(ChannelOption.SO_SNDBUF, CHUNK)
                .childHandler(new ReplyAfterFin(serverReply, flushed))
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(CHUNK);
            client.connect(server.localAddress(), 5_000);
            client.setSoTimeout(15_000);
            client.getOutputStream().write("send me everything".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            // Nothing is read until the server has flushed: its writes fill both socket buffers
            // and the rest has to wait for EPOLLOUT, without depending on how fast this thread reads.
            flushed.get(10, TimeUnit.SECONDS);
            long received = 0;
            IOException readFailure = null;
            InputStream in = client.getInputStream();
            byte[] buf = new byte[CHUNK];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    received += n;
                }
            } catch (IOException e) {
                readFailure = e;
            }
            return new Exchange(received, readFailure, serverReply);
        } finally {
            server.close().sync();
        }
    }

    /**
     * Reads the request to its end, then writes the reply and shuts its output down. It asks for
     * one read only: the FIN comes anyway (Netty watches EPOLLRDHUP and reads what is left), and
     * with no read pending Netty takes EPOLLIN and then EPOLLRDHUP off the socket while it handles
     * the FIN, which leaves no interest. The reply starts in a task after that event, as a relay's
     * does when the upstream's bytes arrive later.
     */
    private static final class ReplyAfterFin extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Throwable> outcome;
        private final CompletableFuture<Void> flushed;

        ReplyAfterFin(CompletableFuture<Throwable> outcome, CompletableFuture<Void> flushed) {
            this.outcome = outcome;
            this.flushed = flushed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                ctx.executor().execute(() -> reply(ctx.channel()));
            }
            ReferenceCountUtil.release(evt);
        }

        private void reply(Channel ch) {
            ChannelFuture last = null;
            for (int sent = 0; sent < REPLY; sent += CHUNK) {
                last = ch.write(Unpooled.wrappedBuffer(new byte[CHUNK]));
            }
            ch.flush();
            flushed.complete(null);
            last.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    outcome.complete(f.cause());
                    ch.close();
                    return;
                }
                ((DuplexChannel) ch).shutdownOutput().addListener((ChannelFutureListener) s -> {
                    outcome.complete(s.cause());
                    ch.close();
                });
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            outcome.complete(cause);
            ctx.close();
        }
    }
}
