package io.swarmingress.proxy.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.swarmingress.proxy.metrics.TlsMeters;

/**
 * Counts how a connection's TLS handshake ended (full, resumed, failed) and how long it took
 * from accept, then leaves the pipeline: it costs nothing per request.
 */
final class HandshakeMeter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HandshakeMeter.class);

    private final TlsMeters meters;
    private final long acceptedNanos;

    HandshakeMeter(TlsMeters meters, long acceptedNanos) {
        this.meters = meters;
        this.acceptedNanos = acceptedNanos;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
            long took = ctx.executor().ticker().nanoTime() - acceptedNanos;
            if (e.isSuccess()) {
                meters.handshake(resumed(ctx) ? TlsMeters.Result.RESUMED : TlsMeters.Result.FULL, took);
            } else {
                meters.handshake(TlsMeters.Result.FAILED, took);
                log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), e.cause().toString());
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Whether the session was resumed (a ticket or the cache); the JDK provider does not say, and counts as full. */
    private static boolean resumed(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null && ssl.engine() instanceof ReferenceCountedOpenSslEngine) {
            long pointer = ((ReferenceCountedOpenSslEngine) ssl.engine()).sslPointer();
            // 0 once the engine was freed (the connection closed already): nothing to ask.
            return pointer != 0 && SSL.isSessionReused(pointer);
        }
        return false;
    }
}
