package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * Sticky sessions and canary splits on real sockets: the cookie the first response sets, the
 * endpoint later requests stick to, a scale event (the table changed in-process, as a reload or
 * discovery changes it) that moves only the sessions of the endpoint that left, a route split
 * 90/10 between two services, and the same over HTTP/2 with real clients (curl, nghttp).
 */
@Timeout(60)
class StickySessionTest {
    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private List<Backend> backends(int from, int to) {
        List<Backend> list = new ArrayList<>();
        for (int i = from; i < to; i++) {
            list.add(closer.add(Backend.start("b" + i)));
        }
        return list;
    }

    private static String config(List<Backend> backends, String sticky) {
        StringBuilder eps = new StringBuilder();
        for (Backend b : backends) {
            eps.append(eps.length() == 0 ? "" : ", ").append("'").append(b.hostPort()).append("'");
        }
        return "io_threads: 2\nentrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, lb: round_robin, sticky: " + sticky + ", endpoints: [" + eps + "]}]\n";
    }

    /** A browser's session: it sends the cookie it was last given. */
    private static final class Session {
        String cookie;
        final List<String> served = new ArrayList<>();
        final List<String> setCookies = new ArrayList<>();

        String get(ProxyFixture proxy) {
            HttpResponse<String> r = cookie == null ? proxy.get("web", "/") : proxy.get("web", "/", "cookie", cookie);
            assertThat(r.statusCode()).isEqualTo(200);
            r.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("ingress_app=")).findFirst().ifPresent(v -> {
                setCookies.add(v);
                cookie = v.substring(0, v.indexOf(';'));
            });
            served.add(r.body());
            return r.body();
        }

        String last() {
            return served.get(served.size() - 1);
        }
    }

    @Test
    void theFirstResponseSetsTheCookieAndLaterRequestsStickWhileRoundRobinWouldRotate() {
        List<Backend> b = backends(0, 3);
        ProxyFixture proxy = closer.add(ProxyFixture.start(config(b, "{max_age: 1h, secure: true, same_site: strict}")));
        Session s = new Session();
        String first = s.get(proxy);
        assertThat(s.setCookies).hasSize(1);
        assertThat(s.setCookies.get(0)).matches("ingress_app=[0-9a-f]{16}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
        assertThat(s.setCookies.get(0)).doesNotContain("127.0.0.1").doesNotContain(Integer.toString(b.get(0).port()));
        for (int i = 0; i < 20; i++) {
            assertThat(s.get(proxy)).isEqualTo(first);
        }
        assertThat(s.setCookies).as("no new cookie while it sticks").hasSize(1);
        // The backend's own Set-Cookie lines still pass: ours is one more line.
        HttpResponse<String> plain = proxy.get("web", "/headers");
        assertThat(plain.headers().allValues("set-cookie")).hasSize(1);
    }

    @Test
    void aScaleEventMovesOnlyTheSessionsOfTheEndpointThatLeft() {
        List<Backend> b = backends(0, 5);
        ProxyFixture proxy = closer.add(ProxyFixture.start(config(b.subList(0, 3), "true")));
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Session s = new Session();
            s.get(proxy);
            sessions.add(s);
        }
        Map<String, Integer> pinned = new HashMap<>();
        sessions.forEach(s -> pinned.merge(s.last(), 1, Integer::sum));
        assertThat(pinned).as("round robin spreads the first requests").containsOnlyKeys("b0", "b1", "b2");

        // Scale up, 3 -> 5: every session keeps its endpoint; new sessions reach the new ones.
        proxy.server().apply(new ConfigParser().parse(config(b, "true"), "test.yaml"));
        for (Session s : sessions) {
            String before = s.last();
            assertThat(s.get(proxy)).isEqualTo(before);
        }
        Map<String, Integer> fresh = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            fresh.merge(new Session().get(proxy), 1, Integer::sum);
        }
        assertThat(fresh).containsKeys("b3", "b4");

        // Scale down, 5 -> 4 without b1: only b1's sessions move, once, and get a new cookie.
        List<Backend> withoutB1 = new ArrayList<>(b);
        withoutB1.remove(1);
        proxy.server().apply(new ConfigParser().parse(config(withoutB1, "true"), "test.yaml"));
        for (Session s : sessions) {
            String before = s.last();
            int cookies = s.setCookies.size();
            String now = s.get(proxy);
            if (before.equals("b1")) {
                assertThat(now).isNotEqualTo("b1");
                assertThat(s.setCookies).hasSize(cookies + 1);
                assertThat(s.get(proxy)).as("and sticks to its new endpoint").isEqualTo(now);
            } else {
                assertThat(now).isEqualTo(before);
                assertThat(s.setCookies).hasSize(cookies);
            }
        }
    }

    @Test
    void aSessionOnAnEjectedEndpointMovesAndComesToStayOnItsNewOne() throws Exception {
        List<Backend> b = backends(0, 2);
        ProxyFixture proxy = closer.add(ProxyFixture.start(config(b, "true")));
        Session s = new Session();
        String first = s.get(proxy);
        // The endpoint goes down: the connect fails, the retry goes to the other, which answers and pins.
        Backend down = b.get(first.equals("b0") ? 0 : 1);
        down.close();
        // Its connections too, the proxy's idle one among them: a loaded machine may take a while to shut a loop down.
        await().atMost(Duration.ofSeconds(15)).until(() -> down.openConnections() == 0);
        String moved = s.get(proxy);
        assertThat(moved).isNotEqualTo(first);
        assertThat(s.setCookies).hasSize(2);
        for (int i = 0; i < 5; i++) {
            assertThat(s.get(proxy)).isEqualTo(moved);
        }
    }

    @Test
    void overHttp2TheFirstResponseSetsTheCookieAndLaterStreamsStickEvenWithTheCookieSplitInFields() {
        List<Backend> b = backends(0, 3);
        ProxyFixture proxy = closer.add(ProxyFixture.start(config(b, "true")));
        String url = "http://127.0.0.1:" + proxy.port("web") + "/";
        String first = Command.of("curl", "-s", "-i", "--http2-prior-knowledge", url).check();
        assertThat(first).startsWith("HTTP/2 200");
        Matcher set = Pattern.compile("(?m)^set-cookie: (ingress_app=[0-9a-f]{16}); Path=/; HttpOnly; SameSite=Lax\r?$").matcher(first);
        assertThat(set.find()).as("the sticky cookie in the HTTP/2 response: %s", first).isTrue();
        String served = first.substring(first.indexOf("\r\n\r\n") + 4);
        for (int i = 0; i < 5; i++) {
            // HTTP/2 clients may send each cookie as a field of its own (RFC 9113 section 8.2.3): nghttp does when asked.
            String out = Command.of("nghttp", "-v", "-H", "cookie: theme=dark", "-H", "cookie: " + set.group(1), url).check();
            assertThat(out).as("stream %d sticks", i).contains("x-backend: " + served).doesNotContain("set-cookie");
        }
        String other = Command.of("curl", "-s", "--http2-prior-knowledge", url).check();
        String another = Command.of("curl", "-s", "--http2-prior-knowledge", url).check();
        assertThat(List.of(served, other, another)).as("without the cookie, round robin rotates").containsExactlyInAnyOrder("b0", "b1", "b2");
    }

    @Test
    void aRouteSplitNinetyTenSendsExactlyNineInTenAndStickySessionsStayOnTheirSide() {
        Backend stable = closer.add(Backend.start("stable"));
        Backend canary = closer.add(Backend.start("canary"));
        String yaml = "entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, services: [{name: app, weight: 90}, {name: app-next, weight: 10}]}]\n"
                + "services:\n"
                + "  - {name: app, sticky: true, endpoints: ['" + stable.hostPort() + "']}\n"
                + "  - {name: app-next, sticky: {cookie: ingress_app}, endpoints: ['" + canary.hostPort() + "']}\n";
        ProxyFixture proxy = closer.add(ProxyFixture.start(yaml));
        Map<String, Integer> seen = new HashMap<>();
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Session s = new Session();
            seen.merge(s.get(proxy), 1, Integer::sum);
            sessions.add(s);
        }
        assertThat(seen).containsEntry("stable", 90).containsEntry("canary", 10);
        for (Session s : sessions) {
            String side = s.last();
            for (int i = 0; i < 3; i++) {
                assertThat(s.get(proxy)).as("a session stays on its side of the split").isEqualTo(side);
            }
        }
        assertThat(proxy.metrics().scrape()).as("counted under the service that served: 10 first requests and 3 more for each"
                + " of those sessions").contains("ingress_requests_total{code=\"200\",entrypoint=\"web\",protocol=\"http1\",service=\"app-next\"} 40.0");
    }
}
