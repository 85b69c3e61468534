package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.swarmingress.config.ConfigException;
import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;

/**
 * The admin listener of a real proxy (real backends, real sockets, the real config watcher): the
 * page, the versioned API and what it says after traffic and a refused reload, basic auth, and
 * the legacy {@code /routes}. The browser test (DashboardBrowserIT) drives the page itself.
 */
@Timeout(120)
class DashboardApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private final Closer closer = new Closer();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private static String config(String admin, int webPort, Backend a, Backend b) {
        return String.join("\n",
                "io_threads: 1",
                "admin: " + admin,
                "entrypoints:",
                "  - {name: web, address: '127.0.0.1:" + webPort + "'}",
                "routes:",
                "  - {entrypoint: web, path_prefix: /, service: app}",
                "  - {entrypoint: web, path_prefix: /api, headers: {Authorization: 'Bearer s3cret'}, service: app}",
                "  - {entrypoint: web, path_prefix: /, service: spare}",
                "services:",
                "  - {name: app, endpoints: ['" + a.hostPort() + "', '" + b.hostPort() + "']}",
                "  - {name: spare, endpoints: ['127.0.0.1:1']}",
                "");
    }

    private Ingress start(Path file) {
        return closer.add(Ingress.start(file, Transport.best(), Duration.ofMillis(100)));
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.path("api_version").asInt()).isEqualTo(1);
        return n;
    }

    @Test
    void thePageAndTheApiDescribeTheLiveProxy() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config("{address: '127.0.0.1:0'}", 0, a, b));
        Ingress ingress = start(file);
        String admin = "http://127.0.0.1:" + ingress.admin().address().getPort();
        int web = ingress.server().address("web").getPort();

        HttpResponse<String> page = get(admin + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy")).get().asString().startsWith("default-src 'none';");
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(page.body()).contains("<title>Swarm Ingress</title>");

        JsonNode routes = json(get(admin + "/api/v1/routes"));
        JsonNode ep = routes.path("entrypoints").get(0);
        assertThat(ep.path("name").asText()).isEqualTo("web");
        assertThat(ep.path("protocol").asText()).isEqualTo("http");
        assertThat(ep.path("listening").asText()).isEqualTo("127.0.0.1:" + web);
        assertThat(ep.path("routes").asInt()).isEqualTo(3);
        JsonNode first = routes.path("routes").get(0);
        assertThat(first.path("origin").path("kind").asText()).isEqualTo("file");
        assertThat(first.path("origin").path("file").asText()).isEqualTo(file.toString());
        assertThat(first.path("origin").path("line").asInt()).isEqualTo(6);
        assertThat(routes.path("routes").get(1).path("headers").path("authorization").asText())
                .as("a credential in a header matcher is never shown").isEqualTo("********");
        assertThat(routes.toString()).doesNotContain("s3cret");
        assertThat(routes.path("conflicts")).hasSize(1);
        assertThat(routes.path("conflicts").get(0).asText()).contains(file + ":8", "service 'spare' never matches", file + ":6");

        // Traffic: the history samples the meters once a second, so rates show within a few seconds.
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(get("http://127.0.0.1:" + web + "/").statusCode());
        }
        assertThat(statuses).containsOnly(200);
        await("traffic in the history").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode t = json(get(admin + "/api/v1/traffic"));
            JsonNode rps = t.path("services").path("app").path("requests_per_second");
            for (JsonNode v : rps) {
                if (v.asDouble() > 0) {
                    return true;
                }
            }
            return false;
        });
        JsonNode traffic = json(get(admin + "/api/v1/traffic"));
        assertThat(traffic.path("interval_seconds").asDouble()).isEqualTo(1.0);
        assertThat(traffic.path("t").size()).isEqualTo(traffic.path("services").path("app").path("p99_seconds").size());
        long last = traffic.path("t").get(traffic.path("t").size() - 1).asLong();
        assertThat(json(get(admin + "/api/v1/traffic?since=" + last)).path("t").size()).as("nothing after the last point")
                .isLessThanOrEqualTo(1);

        JsonNode services = json(get(admin + "/api/v1/services"));
        JsonNode app = services.path("services").get(0);
        assertThat(app.path("name").asText()).isEqualTo("app");
        assertThat(app.path("origin").path("line").asInt()).isEqualTo(10);
        assertThat(app.path("endpoints")).hasSize(2);
        assertThat(app.path("endpoints").get(0).path("state").asText()).isEqualTo("healthy");
        assertThat(app.path("endpoints").get(0).path("in_flight").asInt()).isZero();
        assertThat(app.path("endpoints").get(0).path("task_id").isNull()).as("a file endpoint is no task").isTrue();
        assertThat(app.path("endpoints_available").asInt()).isEqualTo(2);
        assertThat(app.has("traffic")).isTrue();

        assertThat(json(get(admin + "/api/v1/discovery")).path("enabled").asBoolean()).isFalse();
        JsonNode reloads = json(get(admin + "/api/v1/reloads"));
        assertThat(reloads.path("reloads").get(0).path("trigger").asText()).isEqualTo("start");
        assertThat(reloads.path("reloads").get(0).path("result").asText()).isEqualTo("success");

        assertThat(json(get(admin + "/api/v1")).path("endpoints").toString()).contains("/api/v1/services");
        HttpResponse<String> legacy = get(admin + "/routes");
        assertThat(legacy.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(legacy.body()).path("routes")).hasSize(3);
        assertThat(get(admin + "/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(admin + "/api/v1/routes"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as("read-only").isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void aRefusedReloadIsListedWithFileLineAndFieldAndTheNextGoodOneAfterIt() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config("{address: '127.0.0.1:0'}", 0, a, b));
        Ingress ingress = start(file);
        String admin = "http://127.0.0.1:" + ingress.admin().address().getPort();
        int web = ingress.server().address("web").getPort();

        String broken = config("{address: '127.0.0.1:0'}", web, a, b).replace("service: spare}", "service: nowhere}");
        Files.writeString(file, broken);
        await("the refused reload").atMost(Duration.ofSeconds(15)).until(() ->
                json(get(admin + "/api/v1/reloads")).path("failures").asInt() == 1);
        JsonNode refused = json(get(admin + "/api/v1/reloads")).path("reloads").get(0);
        assertThat(refused.path("result").asText()).isEqualTo("failure");
        assertThat(refused.path("trigger").asText()).isEqualTo("file_change");
        JsonNode error = refused.path("errors").get(0);
        assertThat(error.path("file").asText()).isEqualTo(file.toString());
        assertThat(error.path("line").asInt()).isEqualTo(8);
        assertThat(error.path("field").asText()).isEqualTo("routes[2].service");
        assertThat(error.path("message").asText()).isEqualTo("'nowhere' is not a declared service");
        assertThat(get("http://127.0.0.1:" + web + "/").statusCode()).as("the previous config serves").isEqualTo(200);

        Files.writeString(file, config("{address: '127.0.0.1:0'}", web, a, b).replace("  - {entrypoint: web, path_prefix: /, service: spare}\n", ""));
        await("the good reload").atMost(Duration.ofSeconds(15)).until(() ->
                json(get(admin + "/api/v1/reloads")).path("successes").asInt() == 2);
        JsonNode reloads = json(get(admin + "/api/v1/reloads"));
        assertThat(reloads.path("reloads")).extracting(n -> n.path("result").asText()).containsExactly("success", "failure", "success");
        assertThat(reloads.path("reloads").get(0).path("generation").asLong()).isGreaterThan(1);
        assertThat(json(get(admin + "/api/v1/routes")).path("conflicts")).isEmpty();
    }

    @Test
    void withAnHtpasswdFileEverythingButHealthzNeedsAUser() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Path users = Path.of(resource("/admin/users.htpasswd"));
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config("{address: '127.0.0.1:0', htpasswd: '" + users + "'}", 0, a, b));
        Ingress ingress = start(file);
        String admin = "http://127.0.0.1:" + ingress.admin().address().getPort();
        String good = "Basic " + Base64.getEncoder().encodeToString("ops:battery staple".getBytes(StandardCharsets.UTF_8));
        String bad = "Basic " + Base64.getEncoder().encodeToString("ops:wrong".getBytes(StandardCharsets.UTF_8));

        assertThat(get(admin + "/healthz").statusCode()).as("load balancers check without a user").isEqualTo(200);
        for (String path : List.of("/", "/api/v1/services", "/metrics", "/routes")) {
            HttpResponse<String> none = get(admin + path);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"swarm-ingress admin\", charset=\"UTF-8\"");
            assertThat(get(admin + path, "Authorization", bad).statusCode()).as(path + " wrong password").isEqualTo(401);
            assertThat(get(admin + path, "Authorization", good).statusCode()).as(path + " right password").isEqualTo(200);
        }
        // Pipelined on one connection: a request waiting for its bcrypt check holds those behind it, so the
        // answers keep the order of the requests (a /healthz behind it needs no check and would otherwise overtake).
        String other = "Basic " + Base64.getEncoder().encodeToString("admin:correct horse".getBytes(StandardCharsets.UTF_8));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", ingress.admin().address().getPort())) {
            socket.setSoTimeout(10_000);
            String requests = "GET /api/v1/reloads HTTP/1.1\r\nHost: a\r\nAuthorization: " + other + "\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /api/v1/routes HTTP/1.1\r\nHost: a\r\nAuthorization: " + bad + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            List<String> statusLines = answers.lines().filter(l -> l.startsWith("HTTP/1.1 ")).toList();
            assertThat(statusLines).containsExactly("HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 401 Unauthorized");
            assertThat(answers.indexOf("\"reloads\"")).as("the reloads document comes first").isLessThan(answers.indexOf("ok\n"));
        }
    }

    @Test
    void theProbesListenerAnswersHealthAndMetricsAndNothingElse() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config("{address: '127.0.0.1:0', probes: '127.0.0.1:0'}", 0, a, b));
        Ingress ingress = start(file);
        String admin = "http://127.0.0.1:" + ingress.admin().address().getPort();
        String probes = "http://127.0.0.1:" + ingress.admin().probesAddress().getPort();

        assertThat(get(probes + "/healthz").body()).isEqualTo("ok\n");
        HttpResponse<String> metrics = get(probes + "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("ingress_requests_total");
        for (String path : List.of("/", "/api/v1", "/api/v1/routes", "/api/v1/services", "/routes")) {
            HttpResponse<String> r = get(probes + path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).contains("/healthz and /metrics only").doesNotContain("app");
        }
        assertThat(get(admin + "/").statusCode()).as("the dashboard stays on the admin address").isEqualTo(200);
        assertThat(get(admin + "/api/v1/routes").statusCode()).isEqualTo(200);
    }

    @Test
    void aBrokenHtpasswdFileStopsTheStartWithItsLine() throws Exception {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        Path users = dir.resolve("users.htpasswd");
        Files.writeString(users, "admin:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config("{address: '127.0.0.1:0', htpasswd: '" + users + "'}", 0, a, b));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(users + ":1: admin.htpasswd");
    }

    private static URI resource(String name) throws URISyntaxException {
        return DashboardApiTest.class.getResource(name).toURI();
    }
}
