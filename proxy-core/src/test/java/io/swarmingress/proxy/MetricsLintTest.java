package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.admin.AdminServer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The exposition a dashboard depends on: every series of a configured entrypoint and service is
 * there with value zero before the first request, and the text passes {@code promtool check
 * metrics} without a single lint problem. It is read over HTTP from the admin server, as
 * Prometheus reads it.
 */
@Timeout(60)
class MetricsLintTest {
    private static ProxyFixture proxy;
    private static AdminServer admin;
    private static String exposition;
    private static String contentType;

    @BeforeAll
    static void start() throws Exception {
        // Nothing listens on these endpoints, and nothing connects to them: no traffic at all.
        proxy = ProxyFixture.start("""
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                  - name: db
                    address: 127.0.0.1:0
                    protocol: tcp
                    service: api
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                  - entrypoint: web
                    path_prefix: /api
                    service: api
                services:
                  - name: app
                    endpoints:
                      - 127.0.0.1:1
                      - 127.0.0.1:2
                  - name: api
                    lb: least_conn
                    endpoints:
                      - 127.0.0.1:3
                """);
        admin = AdminServer.start(HostPort.parse("127.0.0.1:0", true), proxy.server().transport(), proxy.metrics(),
                proxy.server()::table, Map::of, Clock.systemUTC());
        HttpResponse<String> r = proxy.client().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.address().getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        exposition = r.body();
        contentType = r.headers().firstValue("content-type").orElse("");
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void servedAsPrometheusTextFormat() {
        assertThat(contentType).startsWith("text/plain").contains("version=0.0.4");
    }

    @Test
    void requestCountersExistAtZeroForEveryRouteBeforeAnyTraffic() {
        List<Sample> samples = parse(exposition);
        for (String service : List.of("app", "api")) {
            for (String code : List.of("200", "502", "503", "504")) {
                assertThat(value(samples, "ingress_requests_total", "entrypoint", "web", "service", service, "code", code,
                        "protocol", "http1"))
                        .as("ingress_requests_total{entrypoint=web,service=%s,code=%s,protocol=http1}", service, code).hasValue(0.0);
            }
        }
    }

    @Test
    void durationHistogramHasBucketsAtZeroPerEntrypointAndService() {
        List<Sample> samples = parse(exposition);
        for (String service : List.of("app", "api")) {
            List<Sample> buckets = samples.stream()
                    .filter(s -> s.name().equals("ingress_request_duration_seconds_bucket"))
                    .filter(s -> "web".equals(s.labels().get("entrypoint")) && service.equals(s.labels().get("service")))
                    .toList();
            assertThat(buckets).as("buckets of %s", service).hasSizeGreaterThan(5)
                    .allSatisfy(s -> assertThat(s.value()).isZero())
                    .anySatisfy(s -> assertThat(s.labels()).containsEntry("le", "+Inf"));
            assertThat(value(samples, "ingress_request_duration_seconds_count", "entrypoint", "web", "service", service))
                    .hasValue(0.0);
            assertThat(value(samples, "ingress_request_duration_seconds_sum", "entrypoint", "web", "service", service))
                    .hasValue(0.0);
        }
    }

    @Test
    void connectionByteErrorAndReloadSeriesExistAtZero() {
        List<Sample> samples = parse(exposition);
        assertThat(value(samples, "ingress_open_connections", "entrypoint", "web", "protocol", "http")).hasValue(0.0);
        assertThat(value(samples, "ingress_open_connections", "entrypoint", "db", "protocol", "tcp")).hasValue(0.0);
        for (String entrypoint : List.of("web", "db")) {
            for (String direction : List.of("in", "out")) {
                assertThat(value(samples, "ingress_bytes_total", "entrypoint", entrypoint, "direction", direction))
                        .as("ingress_bytes_total{entrypoint=%s,direction=%s}", entrypoint, direction).hasValue(0.0);
            }
        }
        assertThat(value(samples, "ingress_upstream_connect_errors_total", "service", "app")).hasValue(0.0);
        assertThat(value(samples, "ingress_upstream_connect_errors_total", "service", "api")).hasValue(0.0);
        assertThat(value(samples, "ingress_config_reloads_total", "result", "success")).hasValue(0.0);
        assertThat(value(samples, "ingress_config_reloads_total", "result", "failure")).hasValue(0.0);
    }

    @Test
    void serviceEndpointGaugesCountTheConfiguredEndpoints() {
        List<Sample> samples = parse(exposition);
        assertThat(value(samples, "ingress_service_endpoints", "service", "app")).hasValue(2.0);
        assertThat(value(samples, "ingress_service_endpoints", "service", "api")).hasValue(1.0);
        assertThat(samples.stream().filter(s -> s.name().equals("ingress_service_endpoints"))).hasSize(2);
    }

    @Test
    void jvmAndNettyAllocatorMetricsArePublished() {
        List<Sample> samples = parse(exposition);
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("jvm_memory_used_bytes"));
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).startsWith("jvm_gc_"));
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("jvm_threads_live_threads"));
        assertThat(samples).anySatisfy(s -> {
            assertThat(s.name()).startsWith("netty_allocator_");
            assertThat(s.labels()).containsKey("allocator_type");
        });
    }

    @Test
    void promtoolFindsNoLintProblems() throws Exception {
        Optional<Path> promtool = findOnPath("promtool");
        if (promtool.isEmpty()) {
            String message = "promtool not found on PATH (Debian package 'prometheus' provides it); cannot lint the exposition";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " and CI=true, so this is a failure, not a skip");
            }
            Assumptions.abort(message);
        }
        Process p = new ProcessBuilder(promtool.get().toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(output).as("promtool check metrics output").isBlank();
        assertThat(p.exitValue()).as("promtool exit code; output:%n%s", output).isZero();
    }

    // ---------------------------------------------------------------- exposition parsing

    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** The value of the one sample with exactly these labels (name, value, name, value, ...). */
    private static Optional<Double> value(List<Sample> samples, String name, String... labels) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        List<Sample> matching = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(wanted))
                .toList();
        assertThat(matching).as("samples of %s%s", name, wanted).hasSizeLessThanOrEqualTo(1);
        return matching.stream().map(Sample::value).findFirst();
    }

    /** Parses the text format's sample lines; label values here contain no escaped quotes. */
    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    int open = body.indexOf('"', eq);
                    int close = body.indexOf('"', open + 1);
                    labels.put(body.substring(i, eq).trim(), body.substring(open + 1, close));
                    i = close + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
        }
        return samples;
    }

    private static Optional<Path> findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
