package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Backend;

/**
 * Slow clients against the shaded jar as users run it: the real {@code slowhttptest} (Debian
 * package slowhttptest) holds 1,000 connections with a head that never ends (slowloris, -H), then
 * 1,000 with a body that trickles (slow POST, -B), while a normal client sends keep-alive GETs. The
 * entrypoint's deadlines (request_header_timeout 2s, request_body_timeout 2s plus received bytes at
 * request_body_min_rate 1024 B/s) must close every held connection: from slowhttptest's per-second
 * CSV, none may still be connected well after the last one was opened plus the deadline, and every
 * request of the normal client must succeed. The normal client's latencies with and without an
 * attack are printed for the record, not asserted: the machine is shared.
 *
 * <p>Reports (CSV and HTML per attack, slowhttptest's output, the proxy's log) stay in
 * {@code target/slowhttptest/}.
 */
@Timeout(240)
class SlowClientIT {
    private static final int CONNECTIONS = 1000;
    private static final int RATE = 200;
    private static final int DEADLINE_SECONDS = 2;
    private static final int ATTACK_SECONDS = 20;
    /**
     * Seconds after the last slow connection was opened (the first second slowhttptest reports none
     * pending) plus the deadline by which none may be connected any more: slowhttptest notices a
     * close at its next send, every second; the rest is slack for a busy machine. Generous on
     * purpose: without deadlines every connection stays for the whole attack.
     */
    private static final int SLACK_SECONDS = 5;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final Path reports = Path.of("target", "slowhttptest").toAbsolutePath();
    private Path jar;

    private record Row(int second, int closed, int pending, int connected, int available) {
    }

    @BeforeEach
    void findTools() throws IOException {
        String property = System.getProperty("swarm.ingress.jar");
        assertThat(property).as("system property swarm.ingress.jar (set by failsafe in proxy-core/pom.xml)").isNotBlank();
        jar = Path.of(property);
        assertThat(jar).as("the shaded jar; run 'mvn verify' so that package builds it first").isRegularFile();
        assertThat(run("command -v slowhttptest").exit()).as("slowhttptest on the PATH (Debian package slowhttptest; "
                + "scripts/test.sh installs it)").isZero();
        Files.createDirectories(reports);
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void slowHeadsAndSlowBodiesAreCutOffByTheirDeadlinesWhileANormalClientIsServed() throws Exception {
        try (Backend backend = Backend.start("b1")) {
            int port = freePort();
            Path config = dir.resolve("ingress.yaml");
            Files.writeString(config, """
                    entrypoints:
                      - name: web
                        address: 127.0.0.1:%d
                        protocol: http
                        request_header_timeout: %ds
                        request_body_timeout: %ds
                        request_body_min_rate: 1024
                    routes:
                      - entrypoint: web
                        path_prefix: /
                        service: app
                    services:
                      - name: app
                        endpoints:
                          - %s
                    """.formatted(port, DEADLINE_SECONDS, DEADLINE_SECONDS, backend.hostPort()));
            Path log = reports.resolve("proxy.log");
            Process proxy = start(log, "sh", "-c", "ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \""
                    + Path.of(System.getProperty("java.home"), "bin", "java") + "\" -Xmx512m -jar \"" + jar + "\" --config \""
                    + config + "\"");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            URI uri = URI.create("http://127.0.0.1:" + port + "/");
            try {
                await().atMost(Duration.ofSeconds(30)).failFast("the proxy exited", () -> !proxy.isAlive())
                        .ignoreExceptions().untilAsserted(() -> assertThat(client.send(HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
            } catch (RuntimeException e) {
                throw new AssertionError("the proxy did not start serving; its log:\n" + read(log), e);
            }

            NormalClient.run(client, uri, () -> false, Duration.ofSeconds(3)); // warm-up, not counted
            NormalClient baseline = NormalClient.run(client, uri, () -> false, Duration.ofSeconds(5));
            Attack loris = attack("slowloris", "-H", uri, client, "-x", "24");
            Attack body = attack("slowbody", "-B", uri, client, "-s", "8192", "-x", "10", "-t", "POST");

            System.out.printf("SlowClientIT: normal client, %s%n", baseline.summary("no attack"));
            System.out.printf("SlowClientIT: normal client, %s%n", loris.normal().summary("slowloris, 1000 connections"));
            System.out.printf("SlowClientIT: normal client, %s%n", body.normal().summary("slow body, 1000 connections"));

            assertThat(proxy.isAlive()).as("proxy still running; log:%n%s", read(log)).isTrue();
            assertThat(baseline.failures()).as("normal requests without an attack").isEmpty();
            for (Attack a : List.of(loris, body)) {
                assertThat(a.normal().failures()).as("normal requests during %s", a.name()).isEmpty();
                assertThat(a.normal().latenciesMicros()).as("normal requests during %s", a.name()).isNotEmpty();
                assertThat(a.rows()).as("%s CSV rows (report in %s)", a.name(), reports).isNotEmpty();
                assertThat(a.rows().stream().mapToInt(Row::connected).max().orElse(0))
                        .as("%s: peak of connected slow clients (the attack took hold)", a.name()).isGreaterThanOrEqualTo(100);
                int opened = a.rows().stream().filter(r -> r.second() > 0 && r.pending() == 0).mapToInt(Row::second)
                        .findFirst().orElse(2 * CONNECTIONS / RATE);
                int bound = opened + DEADLINE_SECONDS + SLACK_SECONDS;
                assertThat(a.rows().stream().filter(r -> r.second() >= bound && r.connected() > 0).toList())
                        .as("%s: seconds at or after %d (all opened at %d s, + %d s deadline, + %d s slack) with slow clients"
                                + " still connected", a.name(), bound, opened, DEADLINE_SECONDS, SLACK_SECONDS).isEmpty();
                // slowhttptest stops early once the server closed every connection, without a last row of zeros.
                Row last = a.rows().get(a.rows().size() - 1);
                assertThat(a.exitStatus().contains("No open connections left") || last.connected() == 0)
                        .as("%s: all slow connections closed by the end (slowhttptest: '%s', last row %s)", a.name(),
                                a.exitStatus(), last).isTrue();
            }
        }
    }

    private record Attack(String name, List<Row> rows, String exitStatus, NormalClient normal) {
    }

    /** Runs one slowhttptest attack while the normal client keeps sending; both end together. */
    private Attack attack(String name, String mode, URI uri, HttpClient client, String... extra) throws Exception {
        Path prefix = reports.resolve(name);
        Files.deleteIfExists(Path.of(prefix + ".csv"));
        StringBuilder command = new StringBuilder("ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec slowhttptest ")
                .append(mode).append(" -c ").append(CONNECTIONS).append(" -r ").append(RATE).append(" -i 1 -l ")
                .append(ATTACK_SECONDS).append(" -p 3 -g -o ").append(prefix).append(" -u ").append(uri);
        for (String e : extra) {
            command.append(' ').append(e);
        }
        Path out = reports.resolve(name + ".out");
        Process sht = start(out, "sh", "-c", command.toString());
        NormalClient normal = NormalClient.run(client, uri, sht::isAlive, Duration.ofSeconds(ATTACK_SECONDS + 30));
        assertThat(sht.waitFor(30, TimeUnit.SECONDS)).as("slowhttptest %s finished", name).isTrue();
        Path csv = Path.of(prefix + ".csv");
        assertThat(csv).as("slowhttptest %s CSV; its output:%n%s", name, read(out)).isRegularFile();
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length == 5 && f[0].matches("\\d+")) {
                rows.add(new Row(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), Integer.parseInt(f[4])));
            }
        }
        System.out.printf("SlowClientIT: %s (slowhttptest %s), per second: closed/pending/connected/service-available%n", name, mode);
        for (Row r : rows) {
            System.out.printf("  %3d s: %4d %4d %4d %4d%n", r.second(), r.closed(), r.pending(), r.connected(), r.available());
        }
        String output = read(out).replaceAll("\\u001B\\[[;\\d]*m", "");
        int at = output.lastIndexOf("Exit status:");
        String exitStatus = at < 0 ? "(none)" : output.substring(at + "Exit status:".length()).trim().split("\n")[0].trim();
        System.out.printf("SlowClientIT: %s ended: %s%n", name, exitStatus);
        return new Attack(name, rows, exitStatus, normal);
    }

    /** Sequential keep-alive GETs, as a browser on one connection would send them. */
    private record NormalClient(List<Long> latenciesMicros, List<String> failures) {
        /** Sends until {@code until} stops holding (or for {@code atMost} when it never held). */
        static NormalClient run(HttpClient client, URI uri, BooleanSupplier until, Duration atMost) throws InterruptedException {
            List<Long> latencies = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            long end = System.nanoTime() + atMost.toNanos();
            boolean whileCondition = until.getAsBoolean();
            while (System.nanoTime() - end < 0 && (!whileCondition || until.getAsBoolean())) {
                long start = System.nanoTime();
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200 || !r.body().equals("b1")) {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                }
                latencies.add((System.nanoTime() - start) / 1000);
                Thread.sleep(5);
            }
            return new NormalClient(latencies, failures);
        }

        String summary(String during) {
            List<Long> sorted = new ArrayList<>(latenciesMicros);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return during + ": no requests";
            }
            return String.format("%s: %d requests, %d failed, p50 %.2f ms, p99 %.2f ms, max %.2f ms", during, sorted.size(),
                    failures.size(), percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                    sorted.get(sorted.size() - 1) / 1000.0);
        }

        private static long percentile(List<Long> sorted, double p) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
        }
    }

    // ---------------------------------------------------------------- helpers

    private record Result(int exit, String output) {
    }

    private Process start(Path log, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private Result run(String shell) throws IOException {
        Path log = dir.resolve("run-" + processes.size() + ".log");
        Process p = start(log, "sh", "-c", shell);
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("'%s' finished", shell).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return new Result(p.exitValue(), read(log));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
