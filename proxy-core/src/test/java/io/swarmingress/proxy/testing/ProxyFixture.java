package io.swarmingress.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import io.swarmingress.config.ConfigParser;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.Fronts;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.server.ProxyServer;
import io.swarmingress.proxy.server.Transport;

/**
 * A proxy started in-process from YAML text, listening on port 0, with a client for it.
 * The config goes through the real parser, so tests exercise the format users write.
 */
public final class ProxyFixture implements AutoCloseable {
    private final IngressMetrics metrics = new IngressMetrics();
    private final ProxyServer server;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ProxyFixture(String yaml) {
        IngressConfig config = new ConfigParser().parse(yaml, "test.yaml");
        this.server = ProxyServer.start(config, metrics, Fronts.all(), Fronts.layers(metrics), Transport.best(), Clock.systemUTC(),
                Ticker.systemTicker());
    }

    public static ProxyFixture start(String yaml) {
        return new ProxyFixture(yaml);
    }

    public ProxyServer server() {
        return server;
    }

    public IngressMetrics metrics() {
        return metrics;
    }

    public int port(String entrypoint) {
        InetSocketAddress a = server.address(entrypoint);
        if (a == null) {
            throw new IllegalArgumentException("no entrypoint " + entrypoint);
        }
        return a.getPort();
    }

    public URI uri(String entrypoint, String path) {
        return URI.create("http://127.0.0.1:" + port(entrypoint) + path);
    }

    public HttpResponse<String> get(String entrypoint, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(entrypoint, path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("request to " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public HttpClient client() {
        return client;
    }

    /** Sends raw bytes on a new connection and returns everything read until the proxy closes it. */
    public String raw(String entrypoint, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port(entrypoint))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        server.close();
        metrics.close();
    }
}
