package io.swarmingress.proxy.tls;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.swarmingress.proxy.metrics.TlsMeters;

/**
 * The first handler of a TLS entrypoint's connections: reads the ClientHello, picks the
 * certificate for the name asked for (ECDSA when the client can take it), and puts the TLS
 * handler of that certificate in its place. Clients it cannot serve get a clear answer rather
 * than a reset: plaintext HTTP a 400 that says the port speaks HTTPS, an unknown name under
 * {@code sni_strict} the TLS alert {@code unrecognized_name}.
 */
final class SniSelector extends HelloReader {
    private static final Logger log = LoggerFactory.getLogger(SniSelector.class);
    /** A fatal alert record, unrecognized_name (112), as TLS 1.0 framing so every client version reads it. */
    private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 112};

    private final EntrypointTls tls;
    private final TlsMeters meters;
    private final boolean http;
    private final long acceptedNanos;
    private final long deadlineNanos;

    /**
     * @param acceptedNanos when the connection was accepted, on the channel's ticker
     * @param timeoutNanos how long the whole handshake may take from accept
     */
    SniSelector(EntrypointTls tls, TlsMeters meters, boolean http, long acceptedNanos, long timeoutNanos) {
        super(timeoutNanos);
        this.tls = tls;
        this.meters = meters;
        this.http = http;
        this.acceptedNanos = acceptedNanos;
        this.deadlineNanos = acceptedNanos + timeoutNanos;
    }

    @Override
    protected void hello(ChannelHandlerContext ctx, ClientHello.Reading reading, ByteBuf in) {
        switch (reading.status()) {
            case COMPLETE:
                terminate(ctx, reading.hello(), in);
                break;
            case NOT_TLS:
                plaintext(ctx, in);
                break;
            default:
                refuse(ctx, in, null, reading.problem());
                break;
        }
    }

    private void terminate(ChannelHandlerContext ctx, ClientHello hello, ByteBuf in) {
        SniTable.Served served = tls.table().select(hello.serverName(), hello.offersEcdsa());
        if (served == null) {
            refuse(ctx, in, UNRECOGNIZED_NAME, "no certificate for the name '" + hello.serverName() + "' (sni_strict)");
            return;
        }
        SslHandler handler = served.context().newHandler(ctx.alloc());
        if (served.staple() != null && handler.engine() instanceof ReferenceCountedOpenSslEngine) {
            // Before the handshake starts; BoringSSL sends it only to clients that ask (status_request).
            ((ReferenceCountedOpenSslEngine) handler.engine()).setOcspResponse(served.staple().der());
        }
        long left = deadlineNanos - ctx.executor().ticker().nanoTime();
        handler.setHandshakeTimeoutMillis(Math.max(1, left / 1_000_000));
        ctx.pipeline().replace(this, "tls", handler);
    }

    /** A client that speaks plaintext to a TLS port: HTTP gets an answer it can show its user. */
    private void plaintext(ChannelHandlerContext ctx, ByteBuf in) {
        int first = in.getUnsignedByte(in.readerIndex());
        if (!http || first < 'A' || first > 'Z') {
            refuse(ctx, in, null, "plaintext on a TLS port");
            return;
        }
        byte[] body = "400 Bad Request: this port speaks HTTPS (TLS); use https://\n".getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: " + body.length
                + "\r\ncache-control: no-store\r\nconnection: close\r\n\r\n";
        ByteBuf answer = ctx.alloc().buffer(head.length() + body.length);
        answer.writeCharSequence(head, StandardCharsets.US_ASCII);
        answer.writeBytes(body);
        in.skipBytes(in.readableBytes());
        failed(ctx, "plaintext HTTP on a TLS port");
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, byte[] alert, String why) {
        in.skipBytes(in.readableBytes());
        failed(ctx, why);
        if (alert == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(alert)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void failed(ChannelHandlerContext ctx, String why) {
        meters.handshake(TlsMeters.Result.FAILED, ctx.executor().ticker().nanoTime() - acceptedNanos);
        log.debug("TLS entrypoint {}: refused {}: {}", tls.entrypoint(), ctx.channel(), why);
    }

    @Override
    protected void timedOut(ChannelHandlerContext ctx) {
        failed(ctx, "no whole ClientHello in time");
        ctx.close();
    }

    @Override
    protected void truncated(ChannelHandlerContext ctx) {
        failed(ctx, "the client ended its side before its ClientHello was whole");
        ctx.close();
    }
}
