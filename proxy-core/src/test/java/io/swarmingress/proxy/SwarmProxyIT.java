package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The real jar against a real Swarm (started by {@code bench/swarm/lab.sh}), the way it runs in
 * production: the proxy sits in the network namespace of a container on the overlay network, so
 * task addresses are reachable, and requests are sent from there with curl. The Docker API is
 * reached through a socat relay the test can kill, behind a dead manager and a manager that
 * accepts and never answers, as in a leader election.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmProxyIT {
    private static final String DOCKER = "/usr/bin/docker";
    private static final String IMAGE = "demo/busybox:local";
    private static final String NETWORK = "appnet";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each task answers with its own hostname, so a response names the endpoint that served it. */
    private static final String TASK_COMMAND = "hostname > /www/index.html && exec httpd -f -p 8080 -h /www";

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 999_999));
    private final String webService = "si-web-" + suffix;
    private final String fileService = "si-file-" + suffix;
    private final String probe = "si-probe-" + suffix;
    private Path dir;
    private Path labSocket;
    private Path relaySocket;
    private Process relay;
    private Process proxy;
    private Path proxyLog;
    private String netns;
    private ServerSocketChannel silentManager;
    private Thread silentAcceptor;
    private final List<SocketChannel> silentClients = new ArrayList<>();

    @BeforeAll
    void startProxyInsideTheOverlay() throws Exception {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            String why = "DOCKER_HOST is not a unix:// socket of the Swarm lab (bash bench/swarm/lab.sh up)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        labSocket = Path.of(host.substring("unix://".length()));
        String jar = System.getProperty("swarm.ingress.jar");
        assertThat(jar).as("system property swarm.ingress.jar (set by the failsafe plugin)").isNotNull();
        assertThat(Path.of(jar)).exists();
        dir = Files.createTempDirectory("swarm-proxy-it");

        docker("run", "-d", "--name", probe, "--network", NETWORK, IMAGE, "sleep", "3600");
        netns = "/proc/" + docker("inspect", "-f", "{{.State.Pid}}", probe).trim() + "/ns/net";

        relaySocket = dir.resolve("relay.sock");
        startRelay();
        silentManager = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        silentManager.bind(UnixDomainSocketAddress.of(dir.resolve("silent.sock")));
        silentAcceptor = new Thread(() -> {
            try {
                while (true) {
                    silentClients.add(silentManager.accept()); // accepted, never answered
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "silent-manager");
        silentAcceptor.setDaemon(true);
        silentAcceptor.start();

        docker("service", "create", "--detach", "--no-resolve-image", "--name", webService, "--replicas", "3",
                "--network", NETWORK, "--label", "ingress.enable=true", "--label", "ingress.port=8080",
                "--label", "ingress.http.host=web.test", IMAGE, "sh", "-c", TASK_COMMAND);
        docker("service", "create", "--detach", "--no-resolve-image", "--name", fileService, "--replicas", "2",
                "--network", NETWORK, IMAGE, "sh", "-c", TASK_COMMAND);

        Path config = dir.resolve("ingress.yaml");
        Files.writeString(config, String.join("\n",
                "io_threads: 1",
                "admin: {address: '127.0.0.1:19091'}",
                "entrypoints: [{name: web, address: '127.0.0.1:18080'}]",
                "routes: [{entrypoint: web, path_prefix: /file, strip_prefix: true, service: files}]",
                "services:",
                "  - {name: files, connect_timeout: 1s, swarm: {service: " + fileService + ", port: 8080, network: " + NETWORK + "}}",
                "swarm:",
                "  endpoints:",
                "    - unix://" + dir.resolve("dead.sock"),
                "    - unix://" + dir.resolve("silent.sock"),
                "    - unix://" + relaySocket,
                "  network: " + NETWORK,
                "  entrypoint: web",
                "  debounce: 50ms",
                "  api_timeout: 2s",
                "  resync_interval: 5s",
                ""));
        proxyLog = dir.resolve("proxy.log");
        proxy = new ProcessBuilder("nsenter", "--net=" + netns, "java", "-Xmx256m", "-jar", jar, "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(proxyLog.toFile())
                .start();
        await("the proxy answers /healthz", Duration.ofSeconds(30), () -> admin("/healthz").startsWith("ok"));
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            if (!proxy.waitFor(15, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            System.out.println("---- proxy log ----\n" + Files.readString(proxyLog));
        }
        if (relay != null) {
            stopRelay();
        }
        if (silentManager != null) {
            silentManager.close();
            for (SocketChannel c : silentClients) {
                c.close();
            }
        }
        if (labSocket != null) {
            for (String name : List.of(webService, fileService)) {
                run(false, DOCKER, "-H", "unix://" + labSocket, "service", "rm", name);
            }
            run(false, DOCKER, "-H", "unix://" + labSocket, "rm", "-f", probe);
        }
    }

    @Test
    @Order(1)
    void labelledServiceIsRoutedAndSpreadEvenly() throws Exception {
        awaitEndpoints(webService, n -> n == 3, Duration.ofSeconds(60));
        Map<String, Integer> seen = spread("web.test", "/", 30);
        assertThat(seen).hasSize(3);
        assertThat(seen.values()).containsOnly(10);
    }

    @Test
    @Order(2)
    void scaleUpAndDownIsFollowedWithinASecond() throws Exception {
        docker("service", "scale", "--detach", webService + "=5");
        Instant seen5 = awaitEndpoints(webService, n -> n == 5, Duration.ofSeconds(60));
        Instant lastRunning = latestRunningSince(webService);
        long upMs = Duration.between(lastRunning, seen5).toMillis();
        System.out.printf("scale 3->5: last new task running at %s, in the routing table at %s: %d ms%n", lastRunning, seen5, upMs);
        Map<String, Integer> five = spread("web.test", "/", 50);
        assertThat(five).as("every new task receives traffic").hasSize(5);
        assertThat(five.values()).containsOnly(10);

        Instant scaleDown = Instant.now();
        docker("service", "scale", "--detach", webService + "=1");
        Instant seen1 = awaitEndpoints(webService, n -> n == 1, Duration.ofSeconds(60));
        long downMs = Duration.between(scaleDown, seen1).toMillis();
        System.out.printf("scale 5->1: command at %s, routing table down to 1 at %s: %d ms%n", scaleDown, seen1, downMs);
        Map<String, Integer> one = spread("web.test", "/", 20);
        assertThat(one).as("removed tasks receive nothing").hasSize(1);
        // The issue's bound is 1 s from the task's state change; asserted generously, reported precisely above.
        assertThat(upMs).isLessThan(3000);
        assertThat(downMs).isLessThan(3000);
    }

    @Test
    @Order(3)
    void serviceNamedInTheFileIsRouted() throws Exception {
        awaitEndpoints("files", n -> n == 2, Duration.ofSeconds(60));
        Map<String, Integer> seen = spread("anything.test", "/file", 10);
        assertThat(seen).hasSize(2);
    }

    @Test
    @Order(4)
    void newHostLabelIsRoutedWithoutRestart() throws Exception {
        long pid = proxy.pid();
        docker("service", "update", "--detach", "--label-add", "ingress.http.host=new.test", webService);
        await("the new host is routed", Duration.ofSeconds(30), () -> curl("new.test", "/", 1).get(0).startsWith("200 "));
        assertThat(curl("web.test", "/", 1).get(0)).startsWith("404 ");
        assertThat(proxy.pid()).isEqualTo(pid);
        assertThat(proxy.isAlive()).isTrue();
    }

    @Test
    @Order(5)
    void dockerApiGoingAwayKeepsTheLastEndpointsServing() throws Exception {
        stopRelay();
        docker("service", "scale", "--detach", fileService + "=3");
        long failures = 0;
        long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        int total = 0;
        while (System.nanoTime() - end < 0) {
            for (String r : curl("new.test", "/", 20)) {
                total++;
                if (!r.startsWith("200 ")) {
                    failures++;
                }
            }
        }
        System.out.printf("Docker API away: %d requests, %d failures%n", total, failures);
        assertThat(failures).isZero();
        assertThat(endpointCount("files")).as("the change made meanwhile is not seen yet").isEqualTo(2);
        Instant back = Instant.now();
        startRelay();
        Instant picked = awaitEndpoints("files", n -> n == 3, Duration.ofSeconds(60));
        System.out.printf("relay back at %s, change picked up at %s (%d ms)%n", back, picked, Duration.between(back, picked).toMillis());
        assertThat(routes().path("discovery").path("age_seconds").asDouble()).isLessThan(30);
    }

    @Test
    @Order(6)
    void removedServiceAnswers503() throws Exception {
        docker("service", "rm", fileService);
        awaitEndpoints("files", n -> n == 0, Duration.ofSeconds(30));
        assertThat(curl("x.test", "/file", 1).get(0)).startsWith("503 ");
        docker("service", "rm", webService);
        await("the label route is gone", Duration.ofSeconds(30), () -> curl("new.test", "/", 1).get(0).startsWith("404 "));
    }

    // ------------------------------------------------------------------ helpers

    /** socat forks a child per connection: the API is gone only when every one of them is. */
    private void stopRelay() throws InterruptedException {
        relay.descendants().forEach(ProcessHandle::destroyForcibly);
        relay.destroyForcibly();
        relay.waitFor(5, TimeUnit.SECONDS);
    }

    private void startRelay() throws IOException {
        Files.deleteIfExists(relaySocket);
        relay = new ProcessBuilder("socat", "UNIX-LISTEN:" + relaySocket + ",fork", "UNIX-CONNECT:" + labSocket)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Files.exists(relaySocket) && System.nanoTime() - end < 0) {
            sleep(20);
        }
    }

    /** Sends {@code n} requests over one keep-alive connection; each result is "STATUS BODY". */
    private List<String> curl(String host, String path, int n) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "curl", "-s", "-m", "5",
                "-H", "Host: " + host, "-w", "\\n@@%{http_code}\\n"));
        for (int i = 0; i < n; i++) {
            cmd.add("http://127.0.0.1:18080" + path);
        }
        String out = run(false, cmd.toArray(new String[0]));
        List<String> results = new ArrayList<>();
        String[] parts = out.split("\n@@", -1);
        String body = parts[0];
        for (int i = 1; i < parts.length; i++) {
            String rest = parts[i];
            int nl = rest.indexOf('\n');
            String code = nl < 0 ? rest : rest.substring(0, nl);
            results.add(code + " " + body.trim());
            body = nl < 0 ? "" : rest.substring(nl + 1);
        }
        while (results.size() < n) {
            results.add("000 no answer");
        }
        return results;
    }

    private Map<String, Integer> spread(String host, String path, int n) throws IOException, InterruptedException {
        Map<String, Integer> seen = new HashMap<>();
        for (String r : curl(host, path, n)) {
            assertThat(r).startsWith("200 ");
            seen.merge(r.substring(4), 1, Integer::sum);
        }
        return seen;
    }

    private String admin(String path) throws IOException, InterruptedException {
        return run(false, "nsenter", "--net=" + netns, "curl", "-s", "-m", "3", "http://127.0.0.1:19091" + path);
    }

    private JsonNode routes() throws IOException, InterruptedException {
        String body = admin("/routes");
        return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    private int endpointCount(String service) throws IOException, InterruptedException {
        for (JsonNode s : routes().path("services")) {
            if (s.path("name").asText().equals(service)) {
                return s.path("endpoints").size();
            }
        }
        return -1;
    }

    /** Polls /routes until the service's endpoint count passes; returns when it was first seen. */
    private Instant awaitEndpoints(String service, Predicate<Integer> check, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() - end < 0) {
            last = endpointCount(service);
            if (check.test(last)) {
                return Instant.now();
            }
            sleep(25);
        }
        fail("service " + service + " has " + last + " endpoints after " + timeout + "; proxy log:\n" + Files.readString(proxyLog));
        return null;
    }

    /** The latest time a running task of the service reported the running state. */
    private Instant latestRunningSince(String service) {
        String ids = docker("service", "ps", "-q", "--filter", "desired-state=running", service).trim();
        List<String> args = new ArrayList<>(List.of("inspect", "-f", "{{.Status.State}} {{.Status.Timestamp.Format \"2006-01-02T15:04:05.000000000Z07:00\"}}"));
        args.addAll(Arrays.asList(ids.split("\\s+")));
        Instant latest = Instant.EPOCH;
        for (String line : docker(args.toArray(new String[0])).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2 && f[0].equals("running")) {
                Instant t = Instant.parse(f[1]);
                latest = t.isAfter(latest) ? t : latest;
            }
        }
        return latest;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Duration timeout, Check check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - end < 0) {
            if (proxy != null && !proxy.isAlive()) {
                fail("the proxy exited (" + proxy.exitValue() + ") while waiting for " + what + ":\n" + Files.readString(proxyLog));
            }
            if (check.ok()) {
                return;
            }
            sleep(50);
        }
        fail("timed out after " + timeout + " waiting for " + what + "; proxy log:\n" + Files.readString(proxyLog));
    }

    private String docker(String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = DOCKER;
        cmd[1] = "-H";
        cmd[2] = "unix://" + labSocket;
        System.arraycopy(args, 0, cmd, 3, args.length);
        try {
            return run(true, cmd);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e, e);
        }
    }

    private static String run(boolean check, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
