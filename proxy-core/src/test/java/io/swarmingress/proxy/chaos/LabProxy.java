package io.swarmingress.proxy.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The real jar, run as in production inside the network namespace of a container on the
 * overlay, and its admin listener, reached from the test through a socat relay from a unix
 * socket (a path-named unix socket is visible from every network namespace).
 */
final class LabProxy implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "admin-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Process process;
    private final Process relay;
    private final Path log;
    private final Path adminSocket;

    private LabProxy(Process process, Process relay, Path log, Path adminSocket) {
        this.process = process;
        this.relay = relay;
        this.log = log;
        this.adminSocket = adminSocket;
    }

    /** @param adminPort the port of the config's admin address, on 127.0.0.1 in the namespace */
    static LabProxy start(String netns, Path jar, Path config, Path dir, int adminPort) throws IOException {
        Path log = dir.resolve("proxy.log");
        Path adminSocket = dir.resolve("admin.sock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("nsenter", "--net=" + netns, java, "-Xmx256m", "-jar", jar.toString(), "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Process relay = new ProcessBuilder("nsenter", "--net=" + netns, "socat", "UNIX-LISTEN:" + adminSocket + ",fork",
                "TCP:127.0.0.1:" + adminPort)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new LabProxy(p, relay, log, adminSocket);
    }

    /** nsenter execs the program it starts in the namespace: this is the proxy's own pid. */
    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The body of GET {@code path} on the admin listener, or null when it does not answer 200 within 5 s. */
    String admin(String path) {
        if (!Files.exists(adminSocket)) {
            return null;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the read fails either way
                }
            }, 5, TimeUnit.SECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(adminSocket));
                ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: admin\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (ch.read(buf) >= 0) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                String response = out.toString(StandardCharsets.UTF_8);
                int bodyStart = response.indexOf("\r\n\r\n");
                if (!response.startsWith("HTTP/1.1 200") && !response.startsWith("HTTP/1.0 200") || bodyStart < 0) {
                    return null;
                }
                return response.substring(bodyStart + 4);
            } finally {
                watchdog.cancel(false);
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** /routes as JSON; an empty object while the admin does not answer. */
    JsonNode routes() throws IOException {
        String body = admin("/routes");
        return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    /** The endpoints of a service in the live table: address to state ("healthy" where /routes shows no state). */
    Map<String, String> endpoints(String service) throws IOException {
        return endpointsByService().getOrDefault(service, Map.of());
    }

    /** Every service's endpoints from one read of /routes. */
    Map<String, Map<String, String>> endpointsByService() throws IOException {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (JsonNode s : routes().path("services")) {
            Map<String, String> endpoints = new HashMap<>();
            for (JsonNode e : s.path("endpoints")) {
                endpoints.put(e.path("address").asText(), e.path("state").asText("healthy"));
            }
            out.put(s.path("name").asText(), endpoints);
        }
        return out;
    }

    /** One read of /metrics (Prometheus text); its sums are NaN when the admin did not answer. */
    Scrape scrape() {
        return new Scrape(admin("/metrics"));
    }

    /** A /metrics text. */
    record Scrape(String text) {
        /** The sum of a metric's series whose labels include {@code label} (e.g. service="web"). */
        double sum(String name, String label) {
            if (text == null) {
                return Double.NaN;
            }
            double sum = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith(name + "{") && line.contains(label)) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        }

        double sumForService(String name, String service) {
            return sum(name, "service=\"" + service + "\"");
        }
    }

    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        relay.descendants().forEach(ProcessHandle::destroyForcibly);
        relay.destroyForcibly();
        relay.waitFor(5, TimeUnit.SECONDS);
    }
}
