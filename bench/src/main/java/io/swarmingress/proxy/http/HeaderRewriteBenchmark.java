package io.swarmingress.proxy.http;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The per-request header work on a typical browser request: hop-by-hop removal and the
 * X-Forwarded-* headers. Lives in the handler's package because the rewriter is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderRewriteBenchmark {

    private static HttpHeaders browserRequest() {
        return new DefaultHttpHeaders()
                .add("host", "shop.example.com")
                .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
                .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("accept-language", "en-US,en;q=0.5")
                .add("accept-encoding", "gzip, deflate, br")
                .add("connection", "keep-alive")
                .add("cookie", "session=abc123; theme=dark")
                .add("upgrade-insecure-requests", "1");
    }

    @Benchmark
    public HttpHeaders rewriteRequestHeaders() {
        HttpHeaders h = browserRequest();
        HeaderRewriter.removeHopByHop(h);
        HeaderRewriter.addForwarded(h, "203.0.113.7", "shop.example.com", "8080", false);
        return h;
    }

    @Benchmark
    public HttpHeaders buildHeadersOnly() {
        return browserRequest();
    }
}
