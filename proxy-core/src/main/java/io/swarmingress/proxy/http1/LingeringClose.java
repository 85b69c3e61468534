package io.swarmingress.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * The close of a connection whose client may still be sending (a body the proxy did not read,
 * bytes after a refused head): the proxy sends its FIN, then reads and drops what arrives until
 * the client closes too, or {@link #NANOS} or {@link #MAX_BYTES} run out. Closing a socket with
 * unread input resets it, and the reset can destroy the response in the client's buffers before
 * it was read (RFC 9112 section 9.6).
 */
final class LingeringClose {
    static final long NANOS = 2_000_000_000L;
    static final long MAX_BYTES = 1024 * 1024;

    private long dropped;

    /**
     * Sends the FIN once what was written has gone; on TLS, close_notify first (a FIN alone reads
     * as a truncation attack to strict clients).
     */
    static void shutdownOutput(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ch.close();
            } else if (tls == null) {
                ((DuplexChannel) ch).shutdownOutput();
            } else {
                tls.closeOutbound().addListener(c -> ((DuplexChannel) ch).shutdownOutput());
            }
        });
    }

    /** Counts bytes read while lingering (the caller releases them). @return false once more than {@link #MAX_BYTES} came */
    boolean drop(ByteBuf bytes) {
        dropped += bytes.readableBytes();
        return dropped <= MAX_BYTES;
    }
}
