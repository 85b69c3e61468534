package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * The translation between the forwarder's HTTP/1.1 bytes and an h2c stream's frames, on an
 * EmbeddedChannel: a request head becomes one HEADERS frame without what HTTP/2 forbids (the
 * {@code te: trailers} of a gRPC client kept), a body of known length DATA frames ending the
 * stream, a chunked body DATA frames without its framing whatever the writes' splits; a response's
 * frames become a head, a chunked body and a trailer section, or a trailers-only answer a head
 * with an empty body.
 */
class H2cStreamCodecTest {
    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    private void start(boolean headRequest, boolean teTrailers) {
        channel = new EmbeddedChannel(new H2cStreamCodec(headRequest, teTrailers, null));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** The frames written so far, as text: "HEADERS{...} end" and "DATA(bytes) end". */
    private List<String> frames() {
        List<String> out = new ArrayList<>();
        Object f;
        while ((f = channel.readOutbound()) != null) {
            if (f instanceof Http2HeadersFrame h) {
                out.add("HEADERS" + h.headers() + (h.isEndStream() ? " end" : ""));
            } else {
                Http2DataFrame d = (Http2DataFrame) f;
                out.add("DATA(" + d.content().toString(StandardCharsets.ISO_8859_1) + ")" + (d.isEndStream() ? " end" : ""));
                d.release();
            }
        }
        return out;
    }

    /** The response bytes read so far. */
    private String read() {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readInbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void aHeadBecomesOneHeadersFrameWithoutConnectionSpecificFieldsAndTheGrpcTeKept() {
        start(false, true);
        channel.writeOutbound(bytes("POST /swarm.test.Echo/Unary HTTP/1.1\r\nHost: grpc.test:8080\r\nContent-Type: application/grpc\r\n"
                + "Connection: keep-alive\r\nKeep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Forwarded-For: 10.0.0.9\r\n"
                + "Content-Length: 3\r\n\r\nabc"));

        assertThat(frames()).containsExactly(
                "HEADERS" + new DefaultHttp2Headers(false).method("POST").path("/swarm.test.Echo/Unary").scheme("http")
                        .authority("grpc.test:8080").add("content-type", "application/grpc").add("x-forwarded-for", "10.0.0.9")
                        .add("content-length", "3").add("te", "trailers"),
                "DATA(abc) end");
    }

    @Test
    void withoutTheClientsTeTrailersNoTeGoesUpAndAHeadWithoutBodyEndsTheStream() {
        start(false, false);
        channel.writeOutbound(bytes("GET / HTTP/1.1\r\nhost: a\r\nte: trailers\r\n\r\n"));

        assertThat(frames()).containsExactly("HEADERS" + new DefaultHttp2Headers(false).method("GET").path("/").scheme("http")
                .authority("a") + " end");
    }

    @Test
    void aChunkedBodyLosesItsFramingAndTrailersAtEverySplit() {
        String request = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: dropped\r\n\r\n";
        for (int at = 1; at < request.length(); at++) {
            start(false, false);
            channel.writeOutbound(bytes(request.substring(0, at)));
            channel.writeOutbound(bytes(request.substring(at)));
            StringBuilder data = new StringBuilder();
            List<String> frames = frames();
            assertThat(frames.get(0)).as("split at %d", at).startsWith("HEADERS").doesNotEndWith(" end");
            for (String f : frames.subList(1, frames.size())) {
                data.append(f, "DATA(".length(), f.lastIndexOf(')'));
            }
            assertThat(data).as("split at %d", at).hasToString("hello world");
            assertThat(frames.get(frames.size() - 1)).as("split at %d", at).endsWith(" end");
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aResponseWithTrailersBecomesAChunkedBodyWithATrailerSection() {
        start(false, true);
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .add("content-type", "application/grpc"), false));
        channel.writeInbound(new DefaultHttp2DataFrame(bytes("hello"), false));
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("grpc-status", "0")
                .add("grpc-message", "OK"), true));

        assertThat(read()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\ngrpc-status: 0\r\ngrpc-message: OK\r\n\r\n");
    }

    @Test
    void aTrailersOnlyResponseIsAHeadWithAnEmptyBodyAndInterimHeadsPassAsTheyAre() {
        start(false, true);
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100"), false));
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .add("content-type", "application/grpc").add("grpc-status", "14"), true));

        assertThat(read()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 14\r\ncontent-length: 0\r\n\r\n");
    }

    @Test
    void aBodyOfKnownLengthPassesAsItIsAndAHeadAnswerHasNone() {
        start(false, false);
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200").add("content-length", "2"), false));
        channel.writeInbound(new DefaultHttp2DataFrame(bytes("ok"), true));
        assertThat(read()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        channel.finishAndReleaseAll();

        start(true, false);
        channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200").add("content-length", "9"), false));
        channel.writeInbound(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
        assertThat(read()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n");
    }
}
