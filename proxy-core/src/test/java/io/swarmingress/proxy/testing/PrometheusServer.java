package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A real Prometheus server (the Debian package's binary) on loopback, asked through its HTTP API. */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final String api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, int port) {
        this.process = process;
        this.api = "http://127.0.0.1:" + port + "/api/v1/";
    }

    /** Starts {@code prometheus} on a free loopback port, its data and log in {@code dir}. */
    public static PrometheusServer start(Path config, Path dir) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        return new PrometheusServer(p, port);
    }

    /** {@code data.activeTargets} of /api/v1/targets. */
    public JsonNode activeTargets() throws IOException, InterruptedException {
        return get("targets").path("data").path("activeTargets");
    }

    /** The result vector of an instant query; fails unless Prometheus answers with status success. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        JsonNode body = get("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!body.path("status").asText().equals("success")) {
            throw new AssertionError("query " + promql + ": " + body);
        }
        return body.path("data").path("result");
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + api + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
