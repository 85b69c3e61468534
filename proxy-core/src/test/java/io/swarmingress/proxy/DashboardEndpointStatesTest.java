package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.swarmingress.proxy.server.Transport;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;

/**
 * {@code /api/v1/services} (what the dashboard draws) tells each endpoint's state as the data
 * plane sees it, on a real proxy with real backends: healthy; ejected by passive health after a
 * refused connect; not yet healthy while its active checks have never passed; and draining when a
 * reload took it out of its service while a request to it was still in flight, until that request
 * ends.
 */
@Timeout(120)
class DashboardEndpointStatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Nothing listens there: a connect is refused at once. */
    private static final String REFUSING = "127.0.0.1:1";
    @TempDir
    Path dir;
    private final Closer closer = new Closer();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private static String config(int webPort, String slowEndpoint, Backend flaky, Backend checked, Backend failing) {
        return String.join("\n",
                "io_threads: 1",
                "admin: {address: '127.0.0.1:0'}",
                "entrypoints:",
                "  - {name: web, address: '127.0.0.1:" + webPort + "'}",
                "routes:",
                "  - {entrypoint: web, path_prefix: /slow, strip_prefix: true, service: slow}",
                "  - {entrypoint: web, path_prefix: /flaky, strip_prefix: true, service: flaky}",
                "services:",
                "  - {name: slow, drain_timeout: 1s, endpoints: ['" + slowEndpoint + "']}",
                "  - name: flaky",
                "    outlier_detection: {consecutive_failures: 1, base_ejection_time: 10m, max_ejection_time: 10m}",
                "    endpoints: ['" + REFUSING + "', '" + flaky.hostPort() + "']",
                "  - name: checked",
                "    health_check: {path: /healthz, interval: 100ms, timeout: 100ms}",
                "    endpoints: ['" + checked.hostPort() + "', '" + failing.hostPort() + "']",
                "");
    }

    @Test
    void eachEndpointShowsItsStateAndADrainingOneStaysListedUntilItsLastRequestEnds() throws Exception {
        Backend slow = closer.add(Backend.start("slow"));
        Backend replacement = closer.add(Backend.start("replacement"));
        Backend flaky = closer.add(Backend.start("flaky"));
        Backend checked = closer.add(Backend.start("checked"));
        Backend failing = closer.add(Backend.start("failing"));
        failing.healthy(false);
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, config(0, slow.hostPort(), flaky, checked, failing));
        Ingress ingress = closer.add(Ingress.start(file, Transport.best(), Duration.ofMillis(100)));
        String admin = "http://127.0.0.1:" + ingress.admin().address().getPort() + "/api/v1/services";
        int web = ingress.server().address("web").getPort();

        // Round robin over two endpoints: one of two requests tries the refusing one, is retried, and ejects it.
        for (int i = 0; i < 2; i++) {
            assertThat(get("http://127.0.0.1:" + web + "/flaky").statusCode()).isEqualTo(200);
        }
        await("the active checks of the healthy endpoint pass").atMost(Duration.ofSeconds(15))
                .until(() -> states(json(get(admin)), "checked").get(checked.hostPort()).equals("healthy"));
        JsonNode services = json(get(admin));
        assertThat(states(services, "flaky")).containsEntry(REFUSING, "ejected").containsEntry(flaky.hostPort(), "healthy");
        assertThat(states(services, "checked")).containsEntry(failing.hostPort(), "not_yet_healthy");
        assertThat(service(services, "flaky").path("endpoints_available").asInt()).isEqualTo(1);
        assertThat(service(services, "checked").path("endpoints_available").asInt()).isEqualTo(1);

        CompletableFuture<HttpResponse<String>> hanging = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/slow/hang")).build(), HttpResponse.BodyHandlers.ofString());
        await("the request in flight").atMost(Duration.ofSeconds(10))
                .until(() -> service(json(get(admin)), "slow").path("in_flight").asInt() == 1);
        Files.writeString(file, config(web, replacement.hostPort(), flaky, checked, failing));
        await("the reload").atMost(Duration.ofSeconds(15))
                .until(() -> states(json(get(admin)), "slow").containsKey(replacement.hostPort()));
        JsonNode slowNow = service(json(get(admin)), "slow");
        assertThat(states(slowNow)).containsEntry(replacement.hostPort(), "healthy").containsEntry(slow.hostPort(), "draining");
        assertThat(slowNow.path("endpoints").get(1).path("in_flight").asInt()).as("the draining one, listed last").isEqualTo(1);
        assertThat(slowNow.path("endpoints_available").asInt()).as("a draining endpoint takes no new requests").isEqualTo(1);
        assertThat(get("http://127.0.0.1:" + web + "/slow").body()).isEqualTo("replacement");

        // drain_timeout (1 s) ends the hanging request; then the endpoint is gone from the list.
        hanging.handle((r, e) -> null).get();
        await("the drained endpoint leaves the list").atMost(Duration.ofSeconds(10))
                .until(() -> states(json(get(admin)), "slow").keySet().equals(java.util.Set.of(replacement.hostPort())));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode service(JsonNode services, String name) {
        for (JsonNode s : services.path("services")) {
            if (s.path("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no service " + name + " in " + services);
    }

    private static Map<String, String> states(JsonNode services, String name) {
        return states(service(services, name));
    }

    /** Address to state, in the order listed. */
    private static Map<String, String> states(JsonNode service) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode e : service.path("endpoints")) {
            out.put(e.path("address").asText(), e.path("state").asText());
        }
        return out;
    }
}
