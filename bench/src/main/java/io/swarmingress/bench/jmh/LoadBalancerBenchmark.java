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

import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/** One pick of each policy over 3 and 1,000 endpoints; least_conn also counts the request in and out. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {
    @Param({"3", "1000"})
    int endpoints;

    @Param({"round_robin", "least_conn"})
    String lb;

    private IngressMetrics metrics;
    private Service service;

    @Setup
    public void setUp() {
        StringBuilder eps = new StringBuilder();
        for (int i = 0; i < endpoints; i++) {
            eps.append(i == 0 ? "" : ", ").append("'10.0.").append(i / 250).append('.').append(i % 250 + 1).append(":8080'");
        }
        String yaml = "entrypoints: [{name: web, address: '127.0.0.1:0'}]\nroutes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: " + lb + ", endpoints: [" + eps + "]}]\n";
        metrics = new IngressMetrics();
        service = RoutingTable.build(new ConfigParser().parse(yaml, "bench.yaml"), Map.of(), null, metrics, Clock.systemUTC()).service("app");
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public Endpoint pickAndRelease() {
        Endpoint e = service.pick(Ticker.systemTicker().nanoTime());
        e.acquire();
        e.release();
        return e;
    }
}
