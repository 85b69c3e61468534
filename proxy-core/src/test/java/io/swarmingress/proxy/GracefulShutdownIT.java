package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.proxy.testing.Backend;

/**
 * The shaded jar as users run it, in its own process: graceful stop on SIGTERM, {@code --version}
 * and {@code check}. Run by failsafe after {@code package}, which passes the jar's path as the
 * system property {@code swarm.ingress.jar}.
 */
@Timeout(120)
class GracefulShutdownIT {
    private static final Duration GRACE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private Path jar;

    @BeforeEach
    void findJar() {
        String property = System.getProperty("swarm.ingress.jar");
        assertThat(property).as("system property swarm.ingress.jar (set by failsafe in proxy-core/pom.xml)").isNotBlank();
        jar = Path.of(property);
        assertThat(jar).as("the shaded jar; run 'mvn verify' so that package builds it first").isRegularFile();
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
    void sigtermFinishesTheRequestInFlightRefusesNewConnectionsAndExitsZero() throws Exception {
        try (Backend backend = Backend.start("b1")) {
            int port = freePort();
            Path config = write("ingress.yaml", """
                    io_threads: 1
                    shutdown_grace: %ds
                    entrypoints:
                      - name: web
                        address: 127.0.0.1:%d
                        protocol: http
                    routes:
                      - entrypoint: web
                        path_prefix: /
                        service: app
                    services:
                      - name: app
                        response_timeout: 30s
                        endpoints:
                          - %s
                    """.formatted(GRACE.toSeconds(), port, backend.hostPort()));
            Path log = dir.resolve("proxy.log");
            Process proxy = start(log, "--config", config.toString());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            URI base = URI.create("http://127.0.0.1:" + port);

            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                assertThat(proxy.isAlive()).as("proxy running; log:%n%s", read(log)).isTrue();
                assertThat(client.send(HttpRequest.newBuilder(base.resolve("/")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            });

            // An idle keep-alive connection, which draining should close rather than wait for.
            Socket idle = new Socket("127.0.0.1", port);
            idle.setSoTimeout(15_000);
            idle.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.test\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String firstResponse = readResponse(idle.getInputStream());
            assertThat(firstResponse).startsWith("HTTP/1.1 200").endsWith("b1");

            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                    HttpRequest.newBuilder(base.resolve("/slow?ms=1500")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.seenUris().contains("/slow?ms=1500"));

            signal(proxy, "TERM");

            // The listener closes at once, while the slow response is still being waited for.
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));
            assertThat(slow).as("the in-flight request is not cut short by the signal").isNotDone();
            assertThat(proxy.isAlive()).as("proxy still draining; log:%n%s", read(log)).isTrue();
            assertThat(idle.getInputStream().read()).as("idle keep-alive connection closed by the drain").isEqualTo(-1);
            idle.close();

            HttpResponse<String> response = slow.get(GRACE.toSeconds(), TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("b1");

            assertThat(proxy.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS))
                    .as("proxy exited within the %s grace; log:%n%s", GRACE, read(log)).isTrue();
            assertThat(proxy.exitValue()).as("exit code; log:%n%s", read(log)).isZero();
            assertThat(read(log)).contains("stopping").contains("stopped");
        }
    }

    @Test
    void versionPrintsTheProjectAndNettyVersions() throws Exception {
        Result r = run("--version");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).containsPattern("(?m)^swarm-ingress \\d+\\.\\d+\\.\\d+\\S*$")
                .containsPattern("(?m)^netty 4\\.\\d+\\.\\d+\\.\\w+, java \\d+");
    }

    @Test
    void checkListsEveryErrorWithFileLineAndFieldAndExitsOne() throws Exception {
        Path broken = write("broken.yaml", """
                io_threads: 1
                colour: blue
                entrypoints:
                  - name: web
                    address: 127.0.0.1:8080
                    protocol: http
                  - name: metrics
                    address: 127.0.0.1:99999
                    protocol: http
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: nowhere
                services:
                  - name: app
                    endpoints:
                      - 127.0.0.1:8081
                """);
        Result r = run("check", "--config", broken.toString());

        assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
        assertThat(r.output())
                .contains(broken + ": 3 errors")
                .contains(broken + ":2: colour: is not a known option")
                .containsPattern(java.util.regex.Pattern.quote(broken + ":8: entrypoints[1].address: ") + ".*99999")
                .contains(broken + ":13: routes[0].service: 'nowhere' is not a declared service");
    }

    @Test
    void checkAcceptsAGoodFileAndExitsZero() throws Exception {
        Path good = write("good.yaml", """
                entrypoints:
                  - name: web
                    address: 127.0.0.1:8080
                    protocol: http
                  - name: db
                    address: 127.0.0.1:5432
                    protocol: tcp
                    service: app
                routes:
                  - entrypoint: web
                    path_prefix: /
                    service: app
                services:
                  - name: app
                    lb: least_conn
                    endpoints:
                      - 127.0.0.1:8081
                """);
        Result r = run("check", "--config", good.toString());

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains(good + ": OK (2 entrypoints, 1 routes, 1 services)");
    }

    // ---------------------------------------------------------------- helpers

    private record Result(int exitCode, String output) {
    }

    private Process start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /** Runs a command to its end, with stdout and stderr together. */
    private Result run(String... args) throws Exception {
        Path log = dir.resolve("run-" + processes.size() + ".log");
        Process p = start(log, args);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished; output:%n%s", read(log)).isTrue();
        return new Result(p.exitValue(), read(log));
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", signal, p.pid()).isZero();
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
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

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a response head: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
