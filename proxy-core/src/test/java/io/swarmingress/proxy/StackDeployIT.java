package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.GatedLoad;
import io.swarmingress.proxy.testing.PrometheusServer;

/**
 * Deployed as users deploy it, on the single-node lab swarm ({@code bench/swarm/lab.sh}): the JRE
 * base image and our image built offline from the real Dockerfile, {@code deploy/stack.yml} deployed
 * with {@code docker stack deploy}, traffic from the host through the published host-mode port, the
 * shipped Prometheus config and dashboard queries run by a real Prometheus, a stop-first update of
 * the proxy under load that a load balancer steers by {@code /healthz}, and {@code docker stack rm}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackDeployIT {
    private static final String DOCKER = "/usr/bin/docker";
    private static final String DEMO_IMAGE = "demo/busybox:local";
    /** Each task answers with its own hostname (its container id), so a response names its endpoint. */
    private static final String TASK_COMMAND = "hostname > /www/index.html && exec httpd -f -p 8080 -h /www";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 999_999));
    private final String stack = "si" + suffix;
    private final String proxyService = stack + "_proxy";
    private final String network = "si-routed-" + suffix;
    private final String image1 = "swarm-ingress:it-" + suffix + "-1";
    private final String image2 = "swarm-ingress:it-" + suffix + "-2";
    private final Map<String, Integer> demoServices = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String dockerHost;
    private Path repo;
    private Path dir;
    private int webPort;
    private int adminPort;
    private int dashboardPort;
    private Map<String, String> deployEnv;
    private PrometheusServer prometheus;

    @BeforeAll
    void deployTheStack() throws Exception {
        dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost == null || !dockerHost.startsWith("unix://")) {
            String why = "DOCKER_HOST is not a unix:// socket of the Swarm lab (bash bench/swarm/lab.sh up)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + why);
            }
            Assumptions.abort(why);
        }
        repo = Path.of(System.getProperty("swarm.ingress.repo", "..")).toRealPath();
        assertThat(repo.resolve("proxy-core/target/swarm-ingress.jar")).as("the shaded jar (mvn package)").isRegularFile();
        dir = Files.createTempDirectory("stack-deploy-it");
        Path socket = Path.of(dockerHost.substring("unix://".length()));
        String socketGid = Files.getAttribute(socket, "unix:gid").toString();

        long t0 = System.nanoTime();
        Command.of("bash", repo.resolve("deploy/jre-image.sh").toString(), "local/jre:17")
                .env(Map.of("DOCKER_HOST", dockerHost)).timeout(Duration.ofMinutes(5)).check();
        long t1 = System.nanoTime();
        Command.of(DOCKER, "-H", dockerHost, "build", "-q", "--build-arg", "JRE_IMAGE=local/jre:17",
                        "--build-arg", "DOCKER_GID=" + socketGid, "-t", image1, ".")
                .env(Map.of("DOCKER_BUILDKIT", "0")).in(repo).timeout(Duration.ofMinutes(5)).check();
        long t2 = System.nanoTime();
        docker("tag", image1, image2);
        System.out.printf("image build: local/jre:17 in %d ms, %s from the Dockerfile in %d ms%n",
                (t1 - t0) / 1_000_000, image1, (t2 - t1) / 1_000_000);

        docker("network", "create", "--driver", "overlay", network);
        demo("si-a-" + suffix, 3, "a.test");
        demo("si-b-" + suffix, 2, "b.test");
        demo("si-c-" + suffix, 2, null);
        await("demo services converged", Duration.ofSeconds(120), () -> demoServices.entrySet().stream()
                .allMatch(e -> taskContainers(e.getKey()).size() == e.getValue()));

        Path config = dir.resolve("ingress.yaml");
        Files.writeString(config, Files.readString(repo.resolve("deploy/ingress.yaml"))
                + "\nroutes:\n  - {entrypoint: web, host: c.test, service: files}\n"
                + "services:\n  - {name: files, swarm: {service: si-c-" + suffix + ", port: 8080}}\n");
        webPort = freePort();
        adminPort = freePort();
        dashboardPort = freePort();
        deployEnv = new HashMap<>(Map.of("DOCKER_HOST", dockerHost, "INGRESS_IMAGE", image1,
                "INGRESS_HTTP_PORT", Integer.toString(webPort), "INGRESS_ADMIN_PORT", Integer.toString(adminPort),
                "INGRESS_DASHBOARD_PORT", Integer.toString(dashboardPort),
                "INGRESS_NETWORK", network, "INGRESS_CONFIG_FILE", config.toString(), "INGRESS_CONFIG_VERSION", suffix,
                "DOCKER_GID", socketGid, "DOCKER_SOCKET", socket.toString()));

        long deployStart = System.nanoTime();
        Command.of(DOCKER, "stack", "deploy", "--resolve-image", "never", "-c", repo.resolve("deploy/stack.yml").toString(), stack)
                .env(deployEnv).check();
        await("a first 200 through the published port", Duration.ofSeconds(120), () -> get("a.test", "/").startsWith("200 "));
        System.out.printf("deploy time: docker stack deploy -> first 200 through the published port: %d ms%n",
                (System.nanoTime() - deployStart) / 1_000_000);
    }

    @AfterAll
    void cleanUp() {
        if (prometheus != null) {
            try {
                prometheus.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dockerHost == null || repo == null) {
            return;
        }
        Command.of(DOCKER, "-H", dockerHost, "stack", "rm", stack).run();
        for (String s : demoServices.keySet()) {
            Command.of(DOCKER, "-H", dockerHost, "service", "rm", s).run();
        }
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (Command.of(DOCKER, "-H", dockerHost, "network", "rm", network).run().exitCode() != 0
                && !Command.of(DOCKER, "-H", dockerHost, "network", "ls", "-q", "--filter", "name=" + network).run().output().isBlank()
                && System.nanoTime() - end < 0) {
            sleep(500);
        }
        Command.of(DOCKER, "-H", dockerHost, "image", "rm", image1, image2).run();
    }

    @Test
    @Order(1)
    void everyRouteWorksAndRequestsSpreadOverAllTasks() throws Exception {
        assertSpread("a.test", "si-a-" + suffix, 30);
        assertSpread("b.test", "si-b-" + suffix, 20);
        assertSpread("c.test", "si-c-" + suffix, 20);
        assertThat(get("nowhere.test", "/")).startsWith("404 ");
    }

    @Test
    @Order(2)
    void theProxyRunsAsANonRootPid1WithEpollAndTurnsHealthy() {
        String container = proxyContainer();
        await("the HEALTHCHECK passes", Duration.ofSeconds(90),
                () -> docker("inspect", "-f", "{{.State.Health.Status}}", container).strip().equals("healthy"));
        assertThat(docker("exec", container, "id", "-u").strip()).isEqualTo("10001");
        assertThat(docker("exec", container, "cat", "/proc/1/cmdline").replace('\0', ' '))
                .startsWith("java ").contains("-XX:MaxRAMPercentage=75").contains("/app/swarm-ingress.jar");
        assertThat(docker("logs", container)).contains("transport epoll");
    }

    @Test
    @Order(2)
    void onlyTheProbesFaceTheNetworkTheDashboardStaysOnTheContainersLoopback() throws Exception {
        assertThat(http("http://127.0.0.1:" + adminPort + "/healthz")).isEqualTo("200 ok\n");
        for (String path : List.of("/", "/api/v1/services", "/routes")) {
            assertThat(http("http://127.0.0.1:" + adminPort + path)).as(path).startsWith("404 ").doesNotContain("si-a-");
        }
        String dashboard;
        try {
            dashboard = http("http://127.0.0.1:" + dashboardPort + "/");
        } catch (IOException e) {
            dashboard = "refused: " + e;
        }
        assertThat(dashboard).as("nothing listens on the published dashboard port").startsWith("refused: ");
    }

    @Test
    @Order(3)
    void metricsScrapeLintAndFeedEveryDashboardQuery() throws Exception {
        String scrape = http("http://127.0.0.1:" + adminPort + "/metrics");
        assertThat(scrape).startsWith("200 ");
        String exposition = scrape.substring(4);
        Command.Result lint = Command.of("promtool", "check", "metrics").stdin(exposition).run();
        assertThat(lint.output()).as("promtool check metrics").isBlank();
        assertThat(lint.exitCode()).isZero();
        Command.of("promtool", "check", "config", repo.resolve("deploy/prometheus.yml").toString()).check();

        Set<String> exposed = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exposed.add(line.split("[{ ]", 2)[0]);
            }
        }
        Set<String> used = new TreeSet<>();
        for (String expr : dashboardQueries()) {
            Matcher m = Pattern.compile("\\b(?:ingress|jvm|process)_[a-z_]+").matcher(expr);
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertThat(used).as("metrics the dashboard queries").hasSizeGreaterThan(10);
        assertThat(exposed).as("metrics the proxy exposes").containsAll(used);
    }

    @Test
    @Order(4)
    void theShippedPrometheusConfigFindsTheProxyTaskAndRunsTheDashboardQueries() throws Exception {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, Files.readString(repo.resolve("deploy/prometheus.yml"))
                .replace("unix:///var/run/docker.sock", dockerHost)
                .replace("scrape_interval: 15s", "scrape_interval: 1s")
                .replace("refresh_interval: 15s", "refresh_interval: 1s"));
        prometheus = PrometheusServer.start(config, dir);
        await("Prometheus scrapes the proxy task", Duration.ofSeconds(60), () -> {
            JsonNode targets = prometheus.activeTargets();
            return targets.size() == 1 && targets.get(0).path("health").asText().equals("up")
                    && targets.get(0).path("labels").path("instance").asText().endsWith(":" + adminPort);
        });
        for (int i = 0; i < 20; i++) {
            get("a.test", "/");
        }
        List<String> exprs = dashboardQueries();
        assertThat(exprs).hasSizeGreaterThan(15);
        await("the request counters reach Prometheus", Duration.ofSeconds(30),
                () -> !prometheus.query("sum(rate(ingress_requests_total[1m])) > 0").isEmpty());
        for (String expr : exprs) {
            String q = expr.replace("$__rate_interval", "1m").replace("$__range", "5m")
                    .replace("$instance", ".*").replace("$service", ".*").replace("$job", "swarm-ingress");
            JsonNode result = prometheus.query(q);
            if (q.contains("ingress_requests_total") || q.startsWith("sum(up")) {
                assertThat(result).as("result of %s", q).isNotEmpty();
            }
        }
    }

    @Test
    @Order(5)
    void stopFirstUpdateUnderLoadBehindAHealthCheckingBalancerFailsNoRequest() throws Exception {
        String before = proxyContainer();
        GatedLoad.Stats after;
        try (GatedLoad load = GatedLoad.start(new InetSocketAddress("127.0.0.1", webPort),
                new InetSocketAddress("127.0.0.1", adminPort), "a.test", 4, Duration.ofMillis(50))) {
            await("load flows", Duration.ofSeconds(30), () -> load.stats().sent() > 200);
            long start = System.nanoTime();
            Command.of(DOCKER, "service", "update", "--detach=false", "--no-resolve-image", "--image", image2, proxyService)
                    .env(deployEnv).timeout(Duration.ofMinutes(4)).check();
            long updated = System.nanoTime();
            await("the updated proxy is back in the balancer", Duration.ofSeconds(60), load::gateOpen);
            long sentBack = load.stats().sent();
            await("load flows through the updated proxy", Duration.ofSeconds(30), () -> load.stats().sent() > sentBack + 200);
            after = load.stats();
            System.out.printf("stop-first update under load: %d requests sent, %d failed, balancer gate closed %d time(s) for"
                            + " %d ms, docker service update took %d ms; spread %s; failures %s%n",
                    after.sent(), after.failed(), after.gateClosings(), after.gateClosed().toMillis(),
                    (updated - start) / 1_000_000, after.bodies(), after.firstFailures());
        }
        assertThat(after.failed()).as("failed requests: %s", after.firstFailures()).isZero();
        assertThat(after.gateClosings()).as("the balancer saw the old proxy drain").isPositive();
        assertThat(after.bodies().keySet()).containsExactlyInAnyOrderElementsOf(taskContainers("si-a-" + suffix));
        assertThat(proxyContainer()).isNotEqualTo(before);
        assertThat(docker("inspect", "-f", "{{.State.ExitCode}}", before).strip()).as("the old proxy, PID 1, drained and exited 0")
                .isEqualTo("0");
        assertThat(docker("logs", before)).contains("draining: /healthz answers 503 for 5000 ms").contains("stopped");
        assertThat(docker("service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", proxyService))
                .startsWith(image2);
    }

    @Test
    @Order(6)
    void stackRmLeavesNothingBehind() {
        Command.of(DOCKER, "stack", "rm", stack).env(deployEnv).check();
        String label = "label=com.docker.stack.namespace=" + stack;
        await("the stack's services, configs, networks and containers are gone", Duration.ofSeconds(90), () ->
                docker("service", "ls", "-q", "--filter", label).isBlank()
                        && docker("config", "ls", "-q", "--filter", label).isBlank()
                        && docker("network", "ls", "-q", "--filter", label).isBlank()
                        && docker("ps", "-aq", "--filter", "label=com.docker.swarm.service.name=" + proxyService).isBlank());
        assertThat(docker("config", "ls", "--format", "{{.Name}}")).doesNotContain("ingress-config-" + suffix);
        assertThat(refused(webPort)).as("the published port is closed").isTrue();
        assertThat(docker("network", "ls", "--format", "{{.Name}}")).as("the external network stays").contains(network);
    }

    // ------------------------------------------------------------------ helpers

    private void demo(String name, int replicas, String host) {
        List<String> args = new ArrayList<>(List.of("service", "create", "--detach", "--no-resolve-image", "--name", name,
                "--replicas", Integer.toString(replicas), "--network", network));
        if (host != null) {
            args.addAll(List.of("--label", "ingress.enable=true", "--label", "ingress.port=8080", "--label", "ingress.http.host=" + host));
        }
        args.addAll(List.of(DEMO_IMAGE, "sh", "-c", TASK_COMMAND));
        docker(args.toArray(new String[0]));
        demoServices.put(name, replicas);
    }

    /** Hostnames (short container ids) of a service's running containers. */
    private Set<String> taskContainers(String service) {
        String ids = docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + service, "--filter", "status=running");
        return new TreeSet<>(ids.lines().map(String::strip).filter(s -> !s.isEmpty()).toList());
    }

    private String proxyContainer() {
        Set<String> c = taskContainers(proxyService);
        assertThat(c).as("running proxy containers").hasSize(1);
        return c.iterator().next();
    }

    private void assertSpread(String host, String service, int n) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String r = get(host, "/");
            assertThat(r).as("GET / Host: %s", host).startsWith("200 ");
            seen.merge(r.substring(4).strip(), 1, Integer::sum);
        }
        Set<String> tasks = taskContainers(service);
        assertThat(seen.keySet()).as("tasks that answered for %s", host).containsExactlyInAnyOrderElementsOf(tasks);
        assertThat(seen.values()).as("round robin over %s", seen).containsOnly(n / tasks.size());
    }

    private String get(String host, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path))
                    .header("Host", host).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "000 " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "000 interrupted";
        }
    }

    private String http(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** The PromQL of every panel of the shipped Grafana dashboard. */
    private List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(repo.resolve("deploy/grafana-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
        return exprs;
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER, "-H", dockerHost));
        cmd.addAll(List.of(args));
        return Command.of(cmd).check();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Duration timeout, Check check) {
        long end = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() - end < 0) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception | AssertionError e) {
                last = e instanceof Exception ex ? ex : new Exception(e);
            }
            sleep(100);
        }
        String logs = Command.of(DOCKER, "-H", dockerHost, "service", "logs", "--raw", proxyService).run().output();
        fail("timed out after " + timeout + " waiting for " + what + (last == null ? "" : " (last error: " + last + ")")
                + "\nproxy service logs:\n" + logs);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
