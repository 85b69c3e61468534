package io.swarmingress.proxy.h2;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.swarmingress.proxy.http1.Http1Front;
import io.swarmingress.proxy.server.EntrypointContext;

/**
 * Tells an HTTP/2 client from an HTTP/1 one by its first bytes, then leaves the pipeline. Most
 * connections are decided by their first byte (no HTTP/1 method but {@code PRI}, {@code POST},
 * {@code PUT} and {@code PATCH} starts with {@code P}); a connection is HTTP/2 only when its first
 * 24 bytes are exactly the client preface, so a malformed request that merely starts like it is
 * answered by the HTTP/1 front (a 505 or 400), never half taken for HTTP/2. Until it decides, the
 * HTTP/1 front's head deadline, running since the accept, bounds how long a client may take.
 */
final class PrefaceDetector extends ChannelInboundHandlerAdapter {
    static final String NAME = "h2-preface";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final EntrypointContext entrypoint;
    private ByteBuf seen;

    PrefaceDetector(EntrypointContext entrypoint) {
        this.entrypoint = entrypoint;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (seen != null) {
            ByteBuf both = ctx.alloc().buffer(seen.readableBytes() + in.readableBytes());
            both.writeBytes(seen).writeBytes(in);
            seen.release();
            in.release();
            in = both;
            seen = null;
        }
        int n = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                handOn(ctx, in, false);
                return;
            }
        }
        if (n == PREFACE.length) {
            handOn(ctx, in, true);
        } else {
            seen = in;
        }
    }

    /** Leaves the pipeline to the protocol the bytes showed, with those bytes. */
    private void handOn(ChannelHandlerContext ctx, ByteBuf bytes, boolean h2) {
        ChannelPipeline p = ctx.pipeline();
        if (h2) {
            if (p.get(Http1Front.HANDLER) != null) {
                p.remove(Http1Front.HANDLER);
            }
            H2Connection.install(ctx.channel(), ctx.name(), entrypoint);
        }
        p.remove(this);
        // Handed on through this context, which still knows its successor; the read-complete of
        // this batch follows by itself.
        ctx.fireChannelRead(bytes);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            ReferenceCountUtil.release(seen);
            seen = null;
        }
    }
}
