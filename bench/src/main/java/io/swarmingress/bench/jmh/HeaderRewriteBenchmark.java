package io.swarmingress.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.swarmingress.proxy.wire.ForwardedFields;
import io.swarmingress.proxy.wire.RequestHeadWriter;
import io.swarmingress.proxy.wire.RequestParser;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * The per-request header work on a typical browser request: the head is checked in place, the
 * hop-by-hop lines are left out and the X-Forwarded-* lines added as the upstream head is written.
 * The response side does the same for a typical nginx response head.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderRewriteBenchmark {
    private static final byte[] REQUEST = ("GET /products/42?ref=home HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=abc123; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.22.1\r\n"
            + "Date: Sat, 28 Nov 2026 10:00:00 GMT\r\n"
            + "Content-Type: text/html\r\n"
            + "Content-Length: 0\r\n"
            + "Last-Modified: Sat, 28 Nov 2026 09:00:00 GMT\r\n"
            + "Connection: keep-alive\r\n"
            + "ETag: \"6568c0e0-1c\"\r\n"
            + "Accept-Ranges: bytes\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** A client that is no trusted proxy: its X-Forwarded-For, if any, is replaced. */
    private static final ForwardedFields FORWARDED = new ForwardedFields("203.0.113.7", "http", 8080, false);

    private final RequestParser parser = new RequestParser();
    private final ResponseFramer framer = new ResponseFramer();
    private ByteBuf request;
    private ByteBuf response;
    private ByteBuf written;

    private final RequestParser.Sink requestSink = new RequestParser.Sink() {
        @Override
        public void onRequestHead(RequestParser head) {
            written = RequestHeadWriter.write(head, ByteBufAllocator.DEFAULT, head.target().path() + head.target().query(), null,
                    FORWARDED, head.host(), null);
        }

        @Override
        public void onRequestBody(ByteBuf bytes) {
            bytes.release();
        }

        @Override
        public void onRequestEnd() {
        }

        @Override
        public void onRequestError(HttpResponseStatus status, String reason) {
            throw new IllegalStateException(reason);
        }
    };

    private final ResponseFramer.Sink responseSink = new ResponseFramer.Sink() {
        @Override
        public void onResponseHead(ResponseFramer head) {
            written = head.encodeHead(ByteBufAllocator.DEFAULT, false, null, null);
        }

        @Override
        public void onResponseBody(ByteBuf bytes) {
            bytes.release();
        }

        @Override
        public void onResponseEnd(boolean reusable) {
        }

        @Override
        public void onResponseError(String reason) {
            throw new IllegalStateException(reason);
        }
    };

    @Setup
    public void setUp() {
        request = Unpooled.directBuffer(REQUEST.length).writeBytes(REQUEST);
        response = Unpooled.directBuffer(RESPONSE.length).writeBytes(RESPONSE);
    }

    @TearDown
    public void tearDown() {
        request.release();
        response.release();
    }

    @Benchmark
    public int rewriteRequestHead() {
        request.readerIndex(0);
        parser.feed(request, requestSink);
        int n = written.readableBytes();
        written.release();
        return n;
    }

    @Benchmark
    public int rewriteResponseHead() {
        response.readerIndex(0);
        framer.start(false);
        // feed() takes ownership; the benchmark keeps its buffer for the next call.
        framer.feed(response.retain(), responseSink);
        int n = written.readableBytes();
        written.release();
        return n;
    }
}
