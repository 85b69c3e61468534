package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;

import io.swarmingress.proxy.testing.Chromium;
import io.swarmingress.proxy.testing.Command;

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven over the DevTools protocol)
 * while traffic flows through the real jar on the Swarm lab. The proxy runs in the network
 * namespace of a container on the overlay network (as in SwarmProxyIT); that container publishes
 * the proxy's web and admin ports on 127.0.0.1, so the traffic and the browser come from the host.
 * Admin basic auth is on; the browser sends the user with every request, fetches included.
 *
 * <p>Checked in the DOM: a task added by {@code docker service scale} is on the page within 2 s
 * of Docker reporting it running, with its task id; scaled down while requests are in flight, the
 * task that leaves is shown draining until they end; a reload refused for an error shows the file
 * and line; the conflict between two labelled services and discovery's live event stream are
 * shown; a label value named like a password is not. Screenshots go to
 * {@code target/dashboard-screenshots/} (docs/dashboard.png is one of them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIT {
    private static final String DOCKER = "/usr/bin/docker";
    private static final String IMAGE = "demo/busybox:local";
    private static final String NETWORK = "appnet";
    /** Each task answers its hostname, and /cgi-bin/slow after 4 s (a request still in flight when its task goes). */
    private static final String TASK_COMMAND = "hostname > /www/index.html && busybox mkdir -p /www/cgi-bin"
            + " && echo '#!/bin/sh' > /www/cgi-bin/slow && echo 'sleep 4; printf \"Content-Type: text/plain\\r\\n\\r\\nslow\\n\"'"
            + " >> /www/cgi-bin/slow && busybox chmod +x /www/cgi-bin/slow && exec httpd -f -p 8080 -h /www";
    private static final String SECRET_LABEL_VALUE = "hunter2-" + ThreadLocalRandom.current().nextInt(1000, 9999);
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final String USER = "ops";
    private static final String PASSWORD = "battery staple";

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 999_999));
    private final String web = "si-web-" + suffix;
    private final String rival = "si-web-" + suffix + "-rival";
    private final String empty = "si-empty-" + suffix;
    private final String probe = "si-dash-" + suffix;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Path labSocket;
    private Path dir;
    private Path config;
    private Path proxyLog;
    private Process proxy;
    private int adminPort;
    private int webPort;
    private Chromium browser;
    private final AtomicBoolean trafficOn = new AtomicBoolean(true);
    private final List<Thread> traffic = new ArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();

    @BeforeAll
    void startProxyAndBrowser() throws Exception {
        String host = System.getenv("DOCKER_HOST");
        String why = host == null || !host.startsWith("unix://")
                ? "DOCKER_HOST is not a unix:// socket of the Swarm lab (bash bench/swarm/lab.sh up)" : Chromium.unavailable();
        if (why != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        labSocket = Path.of(host.substring("unix://".length()));
        String jar = System.getProperty("swarm.ingress.jar");
        assertThat(jar).as("system property swarm.ingress.jar (set by the failsafe plugin)").isNotNull();
        dir = Files.createTempDirectory("dashboard-it");
        try (InputStream users = DashboardBrowserIT.class.getResourceAsStream("/admin/users.htpasswd")) {
            Files.copy(users, dir.resolve("users.htpasswd"));
        }

        // httpd is the task's pid 1, which SIGTERM does not end: a stopped task runs its grace period, requests finish.
        docker("service", "create", "--detach", "--no-resolve-image", "--name", web, "--replicas", "2", "--network", NETWORK,
                "--stop-grace-period", "20s",
                "--label", "ingress.enable=true", "--label", "ingress.port=8080", "--label", "ingress.http.path=/web",
                "--label", "ingress.http.strip_prefix=true", "--label", "com.example.db-password=" + SECRET_LABEL_VALUE, IMAGE, "sh", "-c", TASK_COMMAND);
        // Labelled for the same path, and its name sorts after: its route is a conflict, shown as such.
        docker("service", "create", "--detach", "--no-resolve-image", "--name", rival, "--replicas", "0", "--network", NETWORK,
                "--label", "ingress.enable=true", "--label", "ingress.port=8080", "--label", "ingress.http.path=/web",
                IMAGE, "sh", "-c", TASK_COMMAND);
        // Named in the file with no task: its requests are 503s, which the error chart shows.
        docker("service", "create", "--detach", "--no-resolve-image", "--name", empty, "--replicas", "0", "--network", NETWORK,
                IMAGE, "sh", "-c", TASK_COMMAND);
        docker("run", "-d", "--name", probe, "--network", NETWORK, "-p", "127.0.0.1::19091", "-p", "127.0.0.1::18080",
                IMAGE, "sleep", "3600");
        adminPort = publishedPort("19091");
        webPort = publishedPort("18080");
        String netns = "/proc/" + docker("inspect", "-f", "{{.State.Pid}}", probe).trim() + "/ns/net";

        config = dir.resolve("ingress.yaml");
        Files.writeString(config, config("empty"));
        proxyLog = dir.resolve("proxy.log");
        proxy = new ProcessBuilder("nsenter", "--net=" + netns, "java", "-Xmx256m", "-jar", jar, "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(proxyLog.toFile()).start();
        await("the proxy answers /healthz", Duration.ofSeconds(60), () -> status("http://127.0.0.1:" + adminPort + "/healthz") == 200);

        startTraffic("/web/", 20);
        startTraffic("/empty/", 200);
        browser = Chromium.start(1400, 1000);
        browser.extraHeaders(Map.of("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))));
        browser.navigate("http://127.0.0.1:" + adminPort + "/");
    }

    /** Line 5 is the route whose service a broken reload will misname. */
    private String config(String routeService) {
        return String.join("\n",
                "io_threads: 1",
                "admin: {address: '0.0.0.0:19091', htpasswd: '" + dir.resolve("users.htpasswd") + "'}",
                "entrypoints: [{name: web, address: '0.0.0.0:18080'}]",
                "routes:",
                "  - {entrypoint: web, path_prefix: /empty, strip_prefix: true, service: " + routeService + "}",
                "services:",
                "  - {name: empty, connect_timeout: 1s, swarm: {service: " + empty + ", port: 8080, network: " + NETWORK + "}}",
                "swarm:",
                "  endpoints: ['unix://" + labSocket + "']",
                "  network: " + NETWORK,
                "  entrypoint: web",
                "  debounce: 50ms",
                "  resync_interval: 5s",
                "");
    }

    @AfterAll
    void cleanUp() throws Exception {
        trafficOn.set(false);
        for (Thread t : traffic) {
            t.join(10_000);
        }
        if (browser != null) {
            System.out.println("---- browser console ----\n" + browser.consoleLog());
            browser.close();
        }
        if (proxy != null) {
            proxy.destroy();
            if (!proxy.waitFor(15, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
            System.out.println("---- proxy log ----\n" + Files.readString(proxyLog));
        }
        if (labSocket != null) {
            for (String name : List.of(web, rival, empty)) {
                Command.of(DOCKER, "-H", "unix://" + labSocket, "service", "rm", name).run();
            }
            Command.of(DOCKER, "-H", "unix://" + labSocket, "rm", "-f", probe).run();
        }
    }

    @Test
    void theDashboardFollowsTrafficAScaleAndABrokenReload() throws Exception {
        await("the page shows both tasks of the labelled service", Duration.ofSeconds(60),
                () -> endpointsOnPage(web).size() == 2);
        await("the page charts the traffic", Duration.ofSeconds(30), () -> browser.evaluate(
                "document.querySelector('[data-service=\"" + web + "\"] .chart b').textContent").asText().matches("[0-9.]+"));
        String page = browser.evaluate("document.body.innerText").asText();
        assertThat(page).contains("event stream connected", "manager in use", "labels of " + web, "loaded");
        assertThat(browser.evaluate("document.getElementById('problems-body').innerText").asText())
                .contains("conflict: swarm service '" + rival + "': no route", "(the first name in sort order wins)");
        assertThat(browser.evaluate("document.documentElement.outerHTML").asText()).as("a password label stays hidden")
                .doesNotContain(SECRET_LABEL_VALUE).contains("com.example.db-password=********");
        await("the error chart of the service without tasks", Duration.ofSeconds(30), () -> browser.evaluate(
                "document.querySelector('[data-service=\"empty\"] .chart:nth-child(2) b').textContent").asText().equals("100 %"));
        browser.screenshot(SCREENSHOTS.resolve("1-traffic.png"));

        List<String> before = endpointsOnPage(web);
        docker("service", "scale", "--detach", web + "=3");
        Instant onPage = awaitInstant("the page shows the third task", Duration.ofSeconds(60), () -> endpointsOnPage(web).size() == 3);
        TaskRunning newest = newestRunningTask(web);
        long ms = Duration.between(newest.since(), onPage).toMillis();
        System.out.printf("scale 2->3: task %s running at %s (Docker), on the page at %s: %d ms%n", newest.id(), newest.since(),
                onPage, ms);
        List<String> after = endpointsOnPage(web);
        after.removeAll(before);
        assertThat(after).hasSize(1);
        JsonNode row = browser.evaluate("(() => { const r = document.querySelector('[data-service=\"" + web
                + "\"] tr[data-endpoint=\"" + after.get(0) + "\"]'); return {state: r.dataset.state, "
                + "task: r.cells[1].innerText, node: r.cells[2].innerText}; })()");
        assertThat(row.path("task").asText()).isEqualTo(newest.id().substring(0, 12));
        assertThat(row.path("node").asText()).isEqualTo(newest.node().substring(0, 12));
        assertThat(row.path("state").asText()).isEqualTo("healthy");
        assertThat(ms).as("the DOM shows the new endpoint within 2 s of the task running").isLessThan(2000);
        browser.screenshot(SCREENSHOTS.resolve("2-scaled.png"));

        // Slow requests spread over the three tasks; a scale down takes one task out of the service while some are in flight.
        AtomicBoolean slowOn = new AtomicBoolean(true);
        Thread slow = startSlowRequests(slowOn);
        // At least 3 in flight on each: more than the quick requests alone ever hold, so slow ones are among them.
        await("slow requests in flight to every task", Duration.ofSeconds(30), () -> browser.evaluate("(rows => rows.length === 3"
                + " && rows.every(r => Number(r.cells[4].innerText) >= 3))(Array.from(document.querySelectorAll('[data-service=\""
                + web + "\"] tr[data-endpoint]')))").asBoolean());
        docker("service", "scale", "--detach", web + "=2");
        await("the page shows the endpoint that left as draining", Duration.ofSeconds(30), () -> browser.evaluate(
                "document.querySelectorAll('[data-service=\"" + web + "\"] tr[data-state=\"draining\"]').length").asInt() == 1);
        JsonNode leaving = browser.evaluate("(() => { const r = document.querySelector('[data-service=\"" + web
                + "\"] tr[data-state=\"draining\"]'); return {task: r.cells[1].innerText, inFlight: r.cells[4].innerText}; })()");
        assertThat(leaving.path("task").asText()).as("the draining row still names its task").matches("[0-9a-z]{12}");
        assertThat(leaving.path("inFlight").asText()).isNotEqualTo("0");
        browser.screenshot(SCREENSHOTS.resolve("3-draining.png"));
        slowOn.set(false);
        slow.join(10_000);
        await("the drained endpoint leaves the page", Duration.ofSeconds(30), () -> endpointsOnPage(web).size() == 2);

        Instant written = Instant.now();
        Files.writeString(config, config("missing"));
        String expected = config + ":5";
        Instant refusedOnPage = awaitInstant("the page shows the refused reload", Duration.ofSeconds(30),
                () -> browser.evaluate("document.getElementById('reload-body').innerText").asText().contains(expected));
        String reload = browser.evaluate("document.getElementById('reload-body').innerText").asText();
        System.out.printf("broken config written at %s, on the page at %s (%d ms):%n%s%n", written, refusedOnPage,
                Duration.between(written, refusedOnPage).toMillis(), reload);
        assertThat(reload).contains("refused", expected + " routes[0].service: 'missing' is not a declared service",
                "the previous config keeps serving");
        browser.screenshot(SCREENSHOTS.resolve("4-refused-reload.png"));

        Files.writeString(config, config("empty"));
        await("the page shows the good reload", Duration.ofSeconds(30), () -> browser.evaluate(
                "document.getElementById('reload-body').innerText").asText().contains("loaded"));
        assertThat(browser.consoleLog()).as("no CSP violation, no script error").doesNotContain("Content Security Policy",
                "exceptionDetails", "Uncaught");
        assertThat(sent.get()).as("traffic flowed").isGreaterThan(100);
        assertThat(proxy.isAlive()).isTrue();
    }

    // ------------------------------------------------------------------ helpers

    private List<String> endpointsOnPage(String service) throws Exception {
        JsonNode list = browser.evaluate("Array.from(document.querySelectorAll('[data-service=\"" + service
                + "\"] tr[data-endpoint]')).map(r => r.dataset.endpoint)");
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Keep-alive requests through the published web port, one every {@code pauseMs}, until the test ends. */
    private void startTraffic(String path, long pauseMs) {
        Thread t = new Thread(() -> {
            URI uri = URI.create("http://127.0.0.1:" + webPort + path);
            while (trafficOn.get()) {
                try {
                    http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    sent.incrementAndGet();
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // the proxy restarting a listener or the machine being slow: go on
                }
            }
        }, "traffic" + path.replace('/', '-'));
        t.setDaemon(true);
        t.start();
        traffic.add(t);
    }

    /** A request for the 4 s CGI every 200 ms, many in flight at once, until {@code on} turns false. */
    private Thread startSlowRequests(AtomicBoolean on) {
        Thread t = new Thread(() -> {
            URI uri = URI.create("http://127.0.0.1:" + webPort + "/web/cgi-bin/slow");
            while (on.get()) {
                http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding())
                        .thenRun(sent::incrementAndGet);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "slow-requests");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }

    private int publishedPort(String containerPort) {
        String out = docker("port", probe, containerPort).trim().split("\n")[0];
        return Integer.parseInt(out.substring(out.lastIndexOf(':') + 1));
    }

    private record TaskRunning(String id, String node, Instant since) {
    }

    /** The task of the service that most recently reported running, as Docker says. */
    private TaskRunning newestRunningTask(String service) {
        String ids = docker("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).trim();
        List<String> args = new ArrayList<>(List.of("inspect", "-f",
                "{{.ID}} {{.NodeID}} {{.Status.State}} {{.Status.Timestamp.Format \"2006-01-02T15:04:05.000000000Z07:00\"}}"));
        args.addAll(List.of(ids.split("\\s+")));
        TaskRunning newest = null;
        for (String line : docker(args.toArray(new String[0])).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 4 && f[2].equals("running")) {
                TaskRunning t = new TaskRunning(f[0], f[1], Instant.parse(f[3]));
                if (newest == null || t.since().isAfter(newest.since())) {
                    newest = t;
                }
            }
        }
        assertThat(newest).as("a running task of " + service).isNotNull();
        return newest;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Duration timeout, Check check) throws Exception {
        awaitInstant(what, timeout, check);
    }

    /** Polls every 50 ms; returns when the check first passed. */
    private Instant awaitInstant(String what, Duration timeout, Check check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - end < 0) {
            if (proxy != null && !proxy.isAlive()) {
                fail("the proxy exited (" + proxy.exitValue() + ") while waiting for " + what + ":\n" + Files.readString(proxyLog));
            }
            if (check.ok()) {
                return Instant.now();
            }
            Thread.sleep(50);
        }
        if (browser != null) {
            browser.screenshot(SCREENSHOTS.resolve("timeout.png"));
        }
        fail("timed out after " + timeout + " waiting for " + what + "; proxy log:\n" + Files.readString(proxyLog));
        return null;
    }

    private String docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "-H", "unix://" + labSocket));
        cmd.addAll(List.of(args));
        return Command.of(cmd).timeout(Duration.ofSeconds(60)).run().check().output();
    }
}
