package io.swarmingress.bench.jmh;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.Route;
import io.swarmingress.proxy.routing.RequestHeaders;
import io.swarmingress.proxy.routing.Router;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * Route matching with one rule against 10,000 host rules plus 1,000 path rules, the request
 * matching one of the last (the routing-scale scenario of the side-by-side benchmark).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {
    @Param({"1", "11000"})
    int rules;

    private IngressMetrics metrics;
    private Router router;
    private final HttpHeaders raw = new DefaultHttpHeaders().add("user-agent", "wrk").add("accept", "*/*");
    private final RequestHeaders headers = raw::get;
    private String host;
    private String path;

    @Setup
    public void setUp() {
        StringBuilder yaml = new StringBuilder("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "services: [{name: app, endpoints: ['127.0.0.1:1']}]\nroutes:\n");
        if (rules == 1) {
            yaml.append("  - {entrypoint: web, service: app}\n");
            host = "127.0.0.1";
            path = "/";
        } else {
            for (int i = 0; i < 10_000; i++) {
                yaml.append("  - {entrypoint: web, host: h").append(i).append(".example.com, service: app}\n");
            }
            for (int i = 0; i < 1_000; i++) {
                yaml.append("  - {entrypoint: web, host: api.example.com, path_prefix: /p").append(i).append(", service: app}\n");
            }
            host = "api.example.com";
            path = "/p999/items/42";
        }
        metrics = new IngressMetrics();
        router = RoutingTable.build(new ConfigParser().parse(yaml.toString(), "bench.yaml"), Map.of(), null, metrics, Clock.systemUTC())
                .router("web");
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public Route match() {
        return router.match(host, path, headers);
    }
}
