package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/** The HTTP data plane end to end: a real client, the proxy, and real backends on real sockets. */
class HttpProxyIntegrationTest {
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private Backend backend(String name) {
        return closer.add(Backend.start(name));
    }

    private ProxyFixture proxy(String yaml) {
        return closer.add(ProxyFixture.start(yaml));
    }

    private static String endpoints(Backend... backends) {
        return "[" + java.util.Arrays.stream(backends).map(b -> "'" + b.hostPort() + "'").collect(Collectors.joining(", ")) + "]";
    }

    @Test
    void roundRobinSpreadsExactlyEvenlyOverKeepAliveConnections() {
        Backend a = backend("a");
        Backend b = backend("b");
        Backend c = backend("c");
        ProxyFixture p = proxy("io_threads: 1\nentrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: round_robin, endpoints: " + endpoints(a, b, c) + "}]\n");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        for (int i = 0; i < 300; i++) {
            HttpResponse<String> r = p.get("web", "/");
            assertThat(r.statusCode()).isEqualTo(200);
            seen.merge(r.body(), 1, Integer::sum);
        }
        assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of("a", 100, "b", 100, "c", 100));
        assertThat(a.connections() + b.connections() + c.connections())
                .as("upstream connections are pooled, not opened per request").isLessThanOrEqualTo(6);
        assertThat(p.metrics().scrape()).contains("ingress_requests_total{code=\"200\",entrypoint=\"web\",protocol=\"http1\",service=\"app\"} 300.0");
    }

    @Test
    void leastConnPrefersTheIdleEndpointWhenOneIsSlow() throws Exception {
        Backend slow = backend("slow");
        Backend fast = backend("fast");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: least_conn, endpoints: " + endpoints(slow, fast) + "}]\n");
        // Two long requests, one on each endpoint; a third goes to either, which is then the busier one.
        // Quick requests after that must all go to the other, the one with fewer in flight.
        List<CompletableFuture<HttpResponse<String>>> longOnes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            longOnes.add(p.client().sendAsync(HttpRequest.newBuilder(p.uri("web", "/slow?ms=3000")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(inFlight(p)).containsExactly(1, 1));
        longOnes.add(p.client().sendAsync(HttpRequest.newBuilder(p.uri("web", "/slow?ms=3000")).build(),
                HttpResponse.BodyHandlers.ofString()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(inFlight(p)).containsExactlyInAnyOrder(1, 2));
        String busier = p.server().table().service("app").endpoints().stream()
                .filter(e -> e.active() == 2).map(e -> e.address().toString()).findFirst().orElseThrow();
        Map<String, Integer> quick = new ConcurrentHashMap<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = p.get("web", "/");
            quick.merge(r.body(), 1, Integer::sum);
        }
        String busyName = busier.equals(slow.hostPort()) ? "slow" : "fast";
        String idleName = busyName.equals("slow") ? "fast" : "slow";
        assertThat(quick).containsExactly(Map.entry(idleName, 20));
        for (CompletableFuture<HttpResponse<String>> f : longOnes) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }

    private static List<Integer> inFlight(ProxyFixture p) {
        return p.server().table().service("app").endpoints().stream().map(e -> e.active()).toList();
    }

    @Test
    void routesByHostPathAndHeaderWithPrecedence() {
        Backend exact = backend("exact");
        Backend wild = backend("wild");
        Backend api = backend("api");
        Backend canary = backend("canary");
        Backend fallback = backend("fallback");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes:\n"
                + "  - {entrypoint: web, host: shop.example.com, service: exact}\n"
                + "  - {entrypoint: web, host: '*.example.com', service: wild}\n"
                + "  - {entrypoint: web, host: shop.example.com, path_prefix: /api, strip_prefix: true, service: api}\n"
                + "  - {entrypoint: web, host: shop.example.com, path_prefix: /api, headers: {X-Canary: '1'}, service: canary}\n"
                + "  - {entrypoint: web, service: fallback}\n"
                + "services:\n"
                + "  - {name: exact, endpoints: " + endpoints(exact) + "}\n"
                + "  - {name: wild, endpoints: " + endpoints(wild) + "}\n"
                + "  - {name: api, endpoints: " + endpoints(api) + "}\n"
                + "  - {name: canary, endpoints: " + endpoints(canary) + "}\n"
                + "  - {name: fallback, endpoints: " + endpoints(fallback) + "}\n");
        assertThat(p.get("web", "/", "Host", "shop.example.com").body()).isEqualTo("exact");
        assertThat(p.get("web", "/", "Host", "SHOP.example.com:8080").body()).isEqualTo("exact");
        assertThat(p.get("web", "/", "Host", "blog.example.com").body()).isEqualTo("wild");
        assertThat(p.get("web", "/api/cart", "Host", "shop.example.com").body()).isEqualTo("api");
        assertThat(api.seenUris()).containsExactly("/cart");
        assertThat(p.get("web", "/api/cart", "Host", "shop.example.com", "X-Canary", "1").body()).isEqualTo("canary");
        assertThat(canary.seenUris()).as("a route without strip_prefix forwards the path as is").containsExactly("/api/cart");
        assertThat(p.get("web", "/", "Host", "example.org").body()).isEqualTo("fallback");
    }

    @Test
    void unknownRouteIs404() {
        Backend a = backend("a");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, host: a.example.com, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(a) + "}]\n");
        HttpResponse<String> r = p.get("web", "/", "Host", "b.example.com");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(a.requests()).isZero();
    }

    @Test
    void unreachableEndpointIs502AndCounted() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: ['127.0.0.1:" + dead + "']}]\n");
        HttpResponse<String> r = p.get("web", "/");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("cannot connect");
        assertThat(p.metrics().scrape())
                .contains("ingress_upstream_connect_errors_total{service=\"app\"} 1.0")
                .contains("ingress_requests_total{code=\"502\",entrypoint=\"web\",protocol=\"http1\",service=\"app\"} 1.0");
    }

    @Test
    void anEndpointWhoseNameDoesNotResolveIs502() {
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: ['no-such-host.invalid:8080']}]\n");
        HttpResponse<String> r = p.get("web", "/");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("cannot connect");
    }

    @Test
    void serviceWithoutEndpointsIs503() {
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: []}]\n");
        assertThat(p.get("web", "/").statusCode()).isEqualTo(503);
    }

    @Test
    void slowEndpointIs504AfterTheResponseTimeout() {
        Backend hang = backend("hang");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, response_timeout: 300ms, endpoints: " + endpoints(hang) + "}]\n");
        // The backend never answers /hang: a 504 can only come from the proxy's timer on its real loop.
        // (When it fires, to the millisecond, is forward.ExchangeDeadlinesTest's, on a fake clock.)
        HttpResponse<String> r = p.get("web", "/hang");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("did not answer in time");
        assertThat(p.get("web", "/").statusCode()).as("the next request is served").isEqualTo(200);
    }

    @Test
    void endpointClosingMidwayIs502() throws Exception {
        try (ServerSocket rude = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                try (var s = rude.accept()) {
                    s.getInputStream().read(new byte[1024]);
                } catch (Exception ignored) {
                    // closing without an answer is the point
                }
            });
            t.start();
            // No retry: this is about the answer when the one attempt fails (RetryTest covers retries).
            ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                    + "routes: [{entrypoint: web, service: app}]\n"
                    + "services: [{name: app, retries: 0, endpoints: ['127.0.0.1:" + rude.getLocalPort() + "']}]\n");
            assertThat(p.get("web", "/").statusCode()).isEqualTo(502);
            t.join(5000);
        }
    }

    @Test
    void hopByHopHeadersAreRemovedAndForwardingHeadersAdded() throws Exception {
        Backend echo = backend("echo");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0', via: true}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(echo) + "}]\n");
        String response = p.raw("web", "GET /headers HTTP/1.1\r\nHost: shop.example.com\r\n"
                + "Connection: close, X-Private\r\nX-Private: secret\r\nKeep-Alive: timeout=1\r\nTE: trailers\r\n"
                + "Proxy-Authorization: Basic x\r\nUpgrade: h2c\r\nX-Forwarded-For: 203.0.113.9\r\nX-Keep: yes\r\n\r\n");
        String[] parts = response.split("\r\n\r\n", 2);
        String head = parts[0].toLowerCase();
        String seen = parts[1];
        assertThat(seen).startsWith("GET /headers HTTP/1.1\n")
                .contains("host: shop.example.com\n")
                .contains("x-keep: yes\n")
                // No trusted_proxies: the client's own X-Forwarded-For is replaced, not appended to.
                .contains("x-forwarded-for: 127.0.0.1\n").doesNotContain("203.0.113.9")
                .contains("x-forwarded-proto: http\n")
                .contains("x-forwarded-host: shop.example.com\n")
                .contains("x-forwarded-port: " + p.port("web") + "\n")
                .contains("via: 1.1 swarm-ingress\n")
                .doesNotContain("x-private").doesNotContain("keep-alive").doesNotContain("te:")
                .doesNotContain("proxy-authorization").doesNotContain("upgrade").doesNotContain("connection:");
        assertThat(head).startsWith("http/1.1 200")
                .contains("x-backend: echo")
                .contains("connection: close")
                .contains("via: 1.1 swarm-ingress")
                .as("headers the backend named in Connection stay on its side").doesNotContain("x-hop-response")
                .doesNotContain("keep-alive:");
    }

    @Test
    void http10ClientsAreServed() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(a) + "}]\n");
        String response = p.raw("web", "GET / HTTP/1.0\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("connection: close").endsWith("\r\n\r\na");
    }

    @Test
    void anHttp10RequestWithoutHostGoesUpstreamWithTheEndpointAsHost() throws Exception {
        Backend echo = backend("echo");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(echo) + "}]\n");
        String response = p.raw("web", "GET /headers HTTP/1.0\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK").contains("host: " + echo.hostPort() + "\n");
    }

    @Test
    void expectContinueIsRelayed() throws Exception {
        Backend a = backend("a");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(a) + "}]\n");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", p.port("web"))) {
            s.setSoTimeout(5000);
            var out = s.getOutputStream();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), "ISO-8859-1"));
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").getBytes("ISO-8859-1"));
            out.flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            out.write("hello".getBytes("ISO-8859-1"));
            out.flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // the rest of the head
            }
            assertThat(line).as("the head ends before the connection does").isNotNull();
            char[] body = new char[1];
            assertThat(in.read(body)).isEqualTo(1);
            assertThat(body[0]).isEqualTo('5');
        }
    }

    @Test
    void manyConcurrentClientsAllSucceed() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        ProxyFixture p = proxy("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, endpoints: " + endpoints(a, b) + "}]\n");
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(p.client().sendAsync(HttpRequest.newBuilder(p.uri("web", "/")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        assertThat(a.requests() + b.requests()).isEqualTo(400);
    }
}
