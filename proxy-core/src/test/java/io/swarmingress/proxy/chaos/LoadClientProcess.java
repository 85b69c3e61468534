package io.swarmingress.proxy.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The test's handle on a {@link LoadClient} running in another JVM inside a network namespace:
 * sends its commands and reads its one-line JSON answers.
 */
final class LoadClientProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One target's counts at one moment. */
    record Counts(long sent, long ok, long failed, long staleConnections, int inFlight) {
        /** Requests that ended, ok or failed. */
        long ended() {
            return ok + failed;
        }

        Counts minus(Counts before) {
            return new Counts(sent - before.sent, ok - before.ok, failed - before.failed,
                    staleConnections - before.staleConnections, inFlight);
        }
    }

    /** Every target's counts at one moment (epoch milliseconds). */
    record Totals(long at, Map<String, Counts> targets) {
        Counts of(String target) {
            Counts c = targets.get(target);
            return c == null ? new Counts(0, 0, 0, 0, 0) : c;
        }
    }

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private LoadClientProcess(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    replies.add(line);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "load-client-replies");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the client in the network namespace {@code netns} (a /proc/PID/ns/net path; null for
     * this one); stderr goes to {@code log}.
     */
    static LoadClientProcess start(String netns, Path log) throws IOException {
        String classes;
        try {
            classes = Path.of(LoadClient.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        if (netns != null) {
            command.addAll(List.of("nsenter", "--net=" + netns));
        }
        command.addAll(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp", classes, LoadClient.class.getName()));
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new LoadClientProcess(p);
    }

    void add(String name, String proxy, String host, String path, int connections, double rate, long timeoutMillis) throws IOException {
        JsonNode r = command(String.join(" ", "add", name, proxy, host, path, Integer.toString(connections), Double.toString(rate),
                Long.toString(timeoutMillis)));
        if (!r.path("ok").asBoolean()) {
            throw new IOException("load client refused the target: " + r);
        }
    }

    Totals totals() throws IOException {
        return totals(command("totals"));
    }

    /** Totals once every request sent before {@code epochMillis} has ended (each ends by its timeout at the latest). */
    Totals quiesce(long epochMillis) throws IOException {
        return totals(command("quiesce " + epochMillis));
    }

    void drain() throws IOException {
        command("drain");
    }

    /** Totals once every worker has ended, or after {@code timeoutMillis}. */
    Totals awaitIdle(long timeoutMillis) throws IOException {
        return totals(command("idle " + timeoutMillis));
    }

    /** Stops every worker once its request in flight ended: the totals are then final. */
    Totals stop() throws IOException {
        return totals(command("stop"));
    }

    /** Per target: [epoch second, ok, failed] for every second seen. */
    Map<String, List<long[]>> seconds() throws IOException {
        Map<String, List<long[]>> out = new LinkedHashMap<>();
        JsonNode r = command("seconds");
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<long[]> rows = new ArrayList<>();
            for (JsonNode row : e.getValue()) {
                rows.add(new long[] {row.get(0).asLong(), row.get(1).asLong(), row.get(2).asLong()});
            }
            out.put(e.getKey(), rows);
        }
        return out;
    }

    /** Per target: "epoch-ms kind: detail" for each failure that ended since {@code epochMillis}. */
    Map<String, List<String>> failures(long epochMillis) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        JsonNode r = command("failures " + epochMillis);
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> list = new ArrayList<>();
            for (JsonNode f : e.getValue()) {
                list.add(f.path("at").asLong() + " " + f.path("kind").asText() + ": " + f.path("detail").asText());
            }
            out.put(e.getKey(), list);
        }
        return out;
    }

    private static Totals totals(JsonNode r) {
        Map<String, Counts> targets = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("targets").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode c = e.getValue();
            targets.put(e.getKey(), new Counts(c.path("sent").asLong(), c.path("ok").asLong(), c.path("failed").asLong(),
                    c.path("stale_connections").asLong(), c.path("in_flight").asInt()));
        }
        return new Totals(r.path("at").asLong(), targets);
    }

    private synchronized JsonNode command(String line) throws IOException {
        if (!process.isAlive()) {
            throw new IOException("the load client exited (" + process.exitValue() + ") before '" + line + "'");
        }
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        String reply;
        try {
            reply = replies.poll(90, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the load client", e);
        }
        if (reply == null) {
            throw new IOException("no answer from the load client to '" + line + "' within 90 s");
        }
        JsonNode node = JSON.readTree(reply);
        if (node.has("error")) {
            throw new IOException("load client: " + node.path("error").asText());
        }
        return node;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            try {
                command("stop");
                stdin.close();
            } catch (IOException e) {
                // it is being stopped anyway
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
