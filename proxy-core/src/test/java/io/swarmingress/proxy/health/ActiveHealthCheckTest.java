package io.swarmingress.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Service;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * Active health checks against real backends on real sockets: an endpoint gets traffic only once
 * it passes, loses it when it fails its checks, and gets it back when it passes again.
 */
class ActiveHealthCheckTest {
    private final Closer closer = new Closer();

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private ProxyFixture proxy(String endpoints, String check) {
        return closer.add(ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app, health_check: " + check + ", endpoints: [" + endpoints + "]}]\n"));
    }

    private static String state(ProxyFixture p, int index) {
        Service s = p.server().table().service("app");
        Endpoint e = s.endpoints().get(index);
        return e.state(0);
    }

    @Test
    void anEndpointThatFailsItsChecksGetsNoTrafficAndOneThatPassesGetsItAll() throws Exception {
        Backend up = closer.add(Backend.start("up"));
        int dead = deadPort();
        ProxyFixture p = proxy("'" + up.hostPort() + "', '127.0.0.1:" + dead + "'",
                // A slow check on a busy machine must not take the live endpoint out: many failures needed.
                "{path: /healthz, interval: 500ms, timeout: 500ms, healthy_threshold: 1, unhealthy_threshold: 100}");
        await().atMost(Duration.ofSeconds(10)).until(() -> state(p, 0).equals("healthy"));
        assertThat(state(p, 1)).as("never passed: no traffic").isEqualTo("not_yet_healthy");
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> r = p.get("web", "/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("up");
        }
        assertThat(p.metrics().scrape()).as("no request was even tried on the endpoint that never passed")
                .contains("ingress_upstream_connect_errors_total{service=\"app\"} 0.0");
    }

    @Test
    void failingChecksTakeTrafficAwayAndPassingOnesBringItBack() {
        Backend a = closer.add(Backend.start("a"));
        Backend b = closer.add(Backend.start("b"));
        ProxyFixture p = proxy("'" + a.hostPort() + "', '" + b.hostPort() + "'",
                "{path: /healthz, interval: 100ms, timeout: 100ms, healthy_threshold: 2, unhealthy_threshold: 2}");
        await().atMost(Duration.ofSeconds(10)).until(() -> state(p, 0).equals("healthy") && state(p, 1).equals("healthy"));
        a.healthy(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> state(p, 0).equals("unhealthy"));
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            spread.merge(p.get("web", "/").body(), 1, Integer::sum);
        }
        assertThat(spread).as("all to the healthy one").containsOnlyKeys("b");
        a.healthy(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> state(p, 0).equals("healthy"));
        spread.clear();
        for (int i = 0; i < 30; i++) {
            spread.merge(p.get("web", "/").body(), 1, Integer::sum);
        }
        assertThat(spread).containsOnlyKeys("a", "b");
    }

    @Test
    void aTcpCheckPassesOnAConnectAndFailsWithout() throws Exception {
        Backend up = closer.add(Backend.start("up"));
        int dead = deadPort();
        ProxyFixture p = proxy("'" + up.hostPort() + "', '127.0.0.1:" + dead + "'",
                "{tcp: true, interval: 100ms, timeout: 100ms}");
        await().atMost(Duration.ofSeconds(10)).until(() -> state(p, 0).equals("healthy"));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !state(p, 1).equals("healthy"));
    }
}
