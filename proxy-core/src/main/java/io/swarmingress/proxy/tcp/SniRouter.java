package io.swarmingress.proxy.tcp;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.swarmingress.proxy.routing.Service;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.tls.ClientHello;
import io.swarmingress.proxy.tls.HelloReader;

/**
 * The first handler of a TLS passthrough entrypoint's connections: reads the ClientHello (without
 * terminating anything), picks the service by the server name asked for, and lets the relay
 * connect to it and pass on every byte, the hello included. The wait for the hello is bounded by
 * the entrypoint's {@code request_header_timeout} and its size by {@link HelloReader#MAX_HELLO}.
 * What is not a TLS hello is refused: plaintext HTTP with a 400 that says so, anything else by
 * closing; an unknown name without a default service gets the alert {@code unrecognized_name}.
 */
final class SniRouter extends HelloReader {
    private static final Logger log = LoggerFactory.getLogger(SniRouter.class);
    private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 112};
    private static final byte[] DECODE_ERROR = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 50};

    /** Sent down the pipeline once the service is known: the relay connects to it. */
    record Routed(Service service, String serverName) {
    }

    private final EntrypointContext entrypoint;

    SniRouter(EntrypointContext entrypoint, long timeoutNanos) {
        super(timeoutNanos);
        this.entrypoint = entrypoint;
    }

    @Override
    protected void hello(ChannelHandlerContext ctx, ClientHello.Reading reading, ByteBuf in) {
        switch (reading.status()) {
            case COMPLETE:
                String name = reading.hello().serverName();
                Service service = entrypoint.table().passthroughService(entrypoint.name(), name);
                if (service == null) {
                    refuse(ctx, in, "unknown_name", Unpooled.wrappedBuffer(UNRECOGNIZED_NAME), "no route for the server name '" + name + "'");
                    return;
                }
                count("routed");
                ctx.fireUserEventTriggered(new Routed(service, name));
                // The hello and whatever followed it go on to the relay, which holds them until the upstream is up.
                ctx.pipeline().remove(this);
                break;
            case NOT_TLS:
                int first = in.getUnsignedByte(in.readerIndex());
                refuse(ctx, in, "not_tls", first >= 'A' && first <= 'Z' ? plaintextAnswer(ctx) : null, "not a TLS ClientHello");
                break;
            default:
                refuse(ctx, in, "invalid", Unpooled.wrappedBuffer(DECODE_ERROR), reading.problem());
                break;
        }
    }

    private static ByteBuf plaintextAnswer(ChannelHandlerContext ctx) {
        byte[] body = "400 Bad Request: this port passes TLS through; use https:// (or another TLS client)\n"
                .getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\n\r\n";
        ByteBuf answer = ctx.alloc().buffer(head.length() + body.length);
        answer.writeCharSequence(head, StandardCharsets.US_ASCII);
        answer.writeBytes(body);
        return answer;
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String result, ByteBuf answer, String why) {
        in.skipBytes(in.readableBytes());
        count(result);
        log.debug("tls passthrough entrypoint {}: refused {}: {}", entrypoint.name(), ctx.channel(), why);
        if (answer == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void count(String result) {
        entrypoint.meters().passthrough(result);
    }

    @Override
    protected void timedOut(ChannelHandlerContext ctx) {
        count("timeout");
        log.debug("tls passthrough entrypoint {}: no whole ClientHello in time from {}", entrypoint.name(), ctx.channel());
        ctx.close();
    }

    @Override
    protected void truncated(ChannelHandlerContext ctx) {
        count("invalid");
        log.debug("tls passthrough entrypoint {}: {} ended its side before its ClientHello was whole", entrypoint.name(),
                ctx.channel());
        ctx.close();
    }
}
