package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.util.concurrent.Ticker;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * p2c, hash and sticky sessions under the availability rules of every policy, on real sockets
 * with real active health checks: an endpoint that fails its checks gets no request, a hashed key
 * whose endpoint is out goes to the same other endpoint every time and comes back when it
 * recovers (the other keys never move), a session on it moves and sticks to its new endpoint, and
 * when every endpoint fails its checks the proxy still answers from them all, sessions staying
 * where they were.
 */
@Timeout(120)
class BalancingAvailabilityTest {
    /** Quick checks; five failures in a row to lose traffic, so a slow check on a busy machine takes nothing out. */
    private static final String CHECK = "{path: /healthz, interval: 200ms, timeout: 200ms, healthy_threshold: 1, unhealthy_threshold: 5}";
    private static final int KEYS = 60;

    private final Closer closer = new Closer();

    @AfterEach
    void closeAll() throws Exception {
        closer.close();
    }

    private List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(closer.add(Backend.start("b" + i)));
        }
        return list;
    }

    private ProxyFixture proxy(List<Backend> backends, String balancing) {
        StringBuilder eps = new StringBuilder();
        for (Backend b : backends) {
            eps.append(eps.length() == 0 ? "" : ", ").append("'").append(b.hostPort()).append("'");
        }
        ProxyFixture proxy = closer.add(ProxyFixture.start("io_threads: 2\nentrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, " + balancing + ", health_check: " + CHECK + ", endpoints: [" + eps + "]}]\n"));
        for (Backend b : backends) {
            awaitState(proxy, b, "healthy");
        }
        return proxy;
    }

    private static void awaitState(ProxyFixture proxy, Backend b, String state) {
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint(proxy, b).state(Ticker.systemTicker().nanoTime()).equals(state));
    }

    private static Endpoint endpoint(ProxyFixture proxy, Backend b) {
        return proxy.server().table().service("app").endpoints().stream()
                .filter(e -> e.address().port() == b.port()).findFirst().orElseThrow();
    }

    /** The backend that answers each user's request ({@code x-user: user-K}). */
    private static List<String> byUser(ProxyFixture proxy) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            HttpResponse<String> r = proxy.get("web", "/", "x-user", "user-" + k);
            assertThat(r.statusCode()).isEqualTo(200);
            out.add(r.body());
        }
        return out;
    }

    @Test
    void hashedKeysOfAnUnhealthyEndpointGoToOneOtherEachAndComeBackTheOthersNeverMove() {
        List<Backend> b = backends(3);
        ProxyFixture proxy = proxy(b, "lb: hash, hash_on: 'header:x-user'");
        List<String> before = byUser(proxy);
        assertThat(before).contains("b0", "b1", "b2");

        b.get(1).healthy(false);
        awaitState(proxy, b.get(1), "unhealthy");
        List<String> out = byUser(proxy);
        assertThat(out).doesNotContain("b1");
        assertThat(byUser(proxy)).as("each key of the unhealthy endpoint goes to the same other one every time").isEqualTo(out);
        for (int k = 0; k < KEYS; k++) {
            if (!before.get(k).equals("b1")) {
                assertThat(out.get(k)).as("user-%d, whose endpoint is fine, stays", k).isEqualTo(before.get(k));
            }
        }

        b.get(1).healthy(true);
        awaitState(proxy, b.get(1), "healthy");
        assertThat(byUser(proxy)).as("recovered: every key is back where it was").isEqualTo(before);
    }

    @Test
    void p2cSendsNothingToAnUnhealthyEndpointAndTriesItAgainOnceItPasses() {
        List<Backend> b = backends(3);
        ProxyFixture proxy = proxy(b, "lb: p2c");
        assertThat(byUser(proxy)).contains("b0", "b1", "b2");
        b.get(2).healthy(false);
        awaitState(proxy, b.get(2), "unhealthy");
        assertThat(byUser(proxy)).doesNotContain("b2").contains("b0", "b1");
        b.get(2).healthy(true);
        awaitState(proxy, b.get(2), "healthy");
        // Its latency estimate faded while it got nothing: it is tried again.
        await().atMost(Duration.ofSeconds(30)).until(() -> byUser(proxy).contains("b2"));
    }

    @Test
    void aSessionOnAnUnhealthyEndpointMovesOnceAndSessionsStayPutWhenEveryEndpointFails() {
        List<Backend> b = backends(3);
        ProxyFixture proxy = proxy(b, "lb: round_robin, sticky: true");
        List<String> cookies = new ArrayList<>();
        Map<Integer, String> pinned = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = proxy.get("web", "/");
            String set = r.headers().firstValue("set-cookie").orElseThrow();
            cookies.add(set.substring(0, set.indexOf(';')));
            pinned.put(i, r.body());
        }
        assertThat(pinned.values()).as("round robin spread the new sessions").contains("b0", "b1", "b2");

        b.get(0).healthy(false);
        awaitState(proxy, b.get(0), "unhealthy");
        for (int i = 0; i < cookies.size(); i++) {
            HttpResponse<String> r = proxy.get("web", "/", "cookie", cookies.get(i));
            if (pinned.get(i).equals("b0")) {
                assertThat(r.body()).as("session %d, on the unhealthy endpoint, moves", i).isIn("b1", "b2");
                String set = r.headers().firstValue("set-cookie").orElseThrow();
                cookies.set(i, set.substring(0, set.indexOf(';')));
                pinned.put(i, r.body());
            } else {
                assertThat(r.body()).as("session %d stays", i).isEqualTo(pinned.get(i));
                assertThat(r.headers().firstValue("set-cookie")).isEmpty();
            }
        }

        b.forEach(x -> x.healthy(false));
        b.forEach(x -> awaitState(proxy, x, "unhealthy"));
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < cookies.size(); i++) {
                HttpResponse<String> r = proxy.get("web", "/", "cookie", cookies.get(i));
                assertThat(r.statusCode()).as("none available: answered anyway").isEqualTo(200);
                assertThat(r.body()).as("session %d keeps its endpoint", i).isEqualTo(pinned.get(i));
            }
        }
    }
}
