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

import io.netty.util.AsciiString;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.HashKeys;
import io.swarmingress.proxy.routing.RequestHeaders;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * One pick of each policy over 3 and 1,000 endpoints, counted in and out as a request is: round
 * robin, weighted round robin (weights 1 to 4), least connections, p2c (after one latency
 * observation per endpoint, so costs differ), hash (a new key every pick) and sticky sessions
 * (a cookie naming an endpoint, looked up every pick). Run with {@code -prof gc}: a pick of any
 * of them allocates nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {
    private static final AsciiString COOKIE = AsciiString.cached("cookie");

    @Param({"3", "1000"})
    int endpoints;

    @Param({"round_robin", "weighted_round_robin", "least_conn", "p2c", "hash", "sticky"})
    String lb;

    private IngressMetrics metrics;
    private Service service;
    private RequestHeaders request = RequestHeaders.NONE;
    private long key;

    @Setup
    public void setUp() {
        StringBuilder eps = new StringBuilder();
        for (int i = 0; i < endpoints; i++) {
            String address = "'10.0." + i / 250 + "." + (i % 250 + 1) + ":8080'";
            eps.append(i == 0 ? "" : ", ").append(lb.equals("weighted_round_robin") ? "{address: " + address + ", weight: "
                    + (i % 4 + 1) + "}" : address);
        }
        String policy = switch (lb) {
            case "weighted_round_robin" -> "round_robin";
            case "hash" -> "hash, hash_on: 'header:x-user'";
            case "sticky" -> "round_robin, sticky: {secret: bench}";
            default -> lb;
        };
        String yaml = "entrypoints: [{name: web, address: '127.0.0.1:0'}]\nroutes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: " + policy + ", endpoints: [" + eps + "]}]\n";
        metrics = new IngressMetrics();
        service = RoutingTable.build(new ConfigParser().parse(yaml, "bench.yaml"), Map.of(), null, metrics, Clock.systemUTC()).service("app");
        long now = Ticker.systemTicker().nanoTime();
        int i = 0;
        for (Endpoint e : service.endpoints()) {
            // p2c compares latencies: give every endpoint a different one.
            service.responded(e, 200, now, 100_000 + 1_000L * (i++ % 97));
        }
        if (lb.equals("sticky")) {
            Endpoint target = service.endpoints().get(endpoints / 2);
            String setCookie = service.stickyCookie(target, RequestHeaders.NONE);
            String line = "theme=dark; " + setCookie.substring(0, setCookie.indexOf(';')) + "; lang=en";
            request = name -> name.contentEquals(COOKIE) ? line : null;
        }
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public Endpoint pickAndRelease() {
        long now = Ticker.systemTicker().nanoTime();
        // A new key each time, as a stream of different users would give.
        Endpoint e = service.pick(now, request, HashKeys.mix(++key));
        e.acquire();
        e.release();
        return e;
    }
}
