package io.swarmingress.proxy.h2;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;

/**
 * Writes the proxy's own answer on a stream: a short text response, or for a gRPC request a
 * trailers-only response ({@link GrpcAnswers}), which is what a gRPC client can read.
 */
final class LocalAnswer {
    private LocalAnswer() {
    }

    /**
     * @return the answer's last frame written: a reset of the stream must wait for it, or it would
     *         overtake the DATA, which waits in the flow controller, and the client would never read why
     */
    static ChannelFuture write(Http2ConnectionEncoder encoder, ChannelHandlerContext ctx, int streamId, HttpResponseStatus status,
                               String detail, boolean grpc, boolean headRequest) {
        ChannelPromise written = ctx.newPromise();
        if (grpc) {
            encoder.writeHeaders(ctx, streamId, GrpcAnswers.trailersOnly(status, detail), 0, true, written);
            return written;
        }
        byte[] body = ResponseHeads.localBody(status, detail);
        encoder.writeHeaders(ctx, streamId, ResponseHeads.local(status, body.length), 0, headRequest,
                headRequest ? written : ctx.voidPromise());
        if (!headRequest) {
            encoder.writeData(ctx, streamId, ResponseHeads.wrap(ctx.alloc(), body), 0, true, written);
        }
        return written;
    }
}
