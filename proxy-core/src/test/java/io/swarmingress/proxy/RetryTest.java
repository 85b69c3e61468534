package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.ScriptedBackend;
import io.swarmingress.proxy.testing.ScriptedBackend.Step;

/**
 * Retries on real sockets: what is tried again on another endpoint, what is not, and that a
 * retried request reaches the backend whole and once.
 */
class RetryTest {
    private final Closer closer = new Closer();

    @AfterEach
    void close() throws Exception {
        closer.close();
    }

    private ProxyFixture proxy(String serviceOptions, String... endpoints) {
        return closer.add(ProxyFixture.start("entrypoints: [{name: web, address: '127.0.0.1:0'}]\n"
                + "routes: [{entrypoint: web, service: app}]\n"
                + "services: [{name: app" + serviceOptions + ", endpoints: ['" + String.join("', '", endpoints) + "']}]\n"));
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> send(ProxyFixture p, String method, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return p.client().send(HttpRequest.newBuilder(p.uri("web", "/x")).method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRefusedConnectIsRetriedOnAnotherEndpointForEveryMethodAndTheDeadOneIsEjected() throws Exception {
        ScriptedBackend live = closer.add(ScriptedBackend.start("live"));
        ProxyFixture p = proxy("", "127.0.0.1:" + deadPort(), live.hostPort());
        for (int i = 0; i < 10; i++) {
            assertThat(send(p, "POST", "body-" + i).body()).isEqualTo("live POST /x body-" + i);
            assertThat(send(p, "GET", null).statusCode()).isEqualTo(200);
        }
        String scrape = p.metrics().scrape();
        assertThat(scrape).as("one failed connect, then the dead endpoint was out of rotation")
                .contains("ingress_upstream_connect_errors_total{service=\"app\"} 1.0")
                .contains("ingress_endpoint_ejections_total{service=\"app\"} 1.0")
                .contains("ingress_retries_total{reason=\"connect_failure\",service=\"app\"} 1.0");
        assertThat(live.requests()).as("each request reached the live backend once").hasSize(20);
    }

    @Test
    void aResetBeforeTheResponseIsRetriedForIdempotentMethodsOnlyWithTheBodyWhole() throws Exception {
        ScriptedBackend flaky = closer.add(ScriptedBackend.start("flaky", Step.RESET_AFTER_REQUEST));
        ScriptedBackend steady = closer.add(ScriptedBackend.start("steady"));
        ProxyFixture p = proxy(", lb: round_robin, outlier_detection: {consecutive_failures: 0}", flaky.hostPort(), steady.hostPort());
        HttpResponse<String> put = send(p, "PUT", "the whole body");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("steady PUT /x the whole body");
        assertThat(flaky.requests()).containsExactly("PUT /x the whole body");

        ScriptedBackend flaky2 = closer.add(ScriptedBackend.start("flaky2", Step.RESET_AFTER_REQUEST));
        ProxyFixture q = proxy(", outlier_detection: {consecutive_failures: 0}", flaky2.hostPort(), steady.hostPort());
        HttpResponse<String> post = send(q, "POST", "once only");
        assertThat(post.statusCode()).as("the backend may have acted on a POST: not sent again").isEqualTo(502);
        assertThat(steady.requests()).doesNotContain("POST /x once only");
    }

    @Test
    void a503IsRetriedForAGetAndPassedOnForAPost() throws Exception {
        ScriptedBackend busy = closer.add(ScriptedBackend.start("busy", Step.ANSWER_503, Step.ANSWER_503));
        ScriptedBackend steady = closer.add(ScriptedBackend.start("steady"));
        ProxyFixture p = proxy(", outlier_detection: {consecutive_failures: 0}", busy.hostPort(), steady.hostPort());
        HttpResponse<String> get = send(p, "GET", null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).startsWith("steady GET");
        HttpResponse<String> post = send(p, "POST", "x");
        assertThat(post.statusCode()).as("not retried: the backend may have acted on it").isEqualTo(503);
        assertThat(p.metrics().scrape()).contains("ingress_retries_total{reason=\"status_503\",service=\"app\"} 1.0");
    }

    @Test
    void withRetriesOffTheFirstFailureIsTheAnswer() throws Exception {
        ScriptedBackend busy = closer.add(ScriptedBackend.start("busy", Step.ANSWER_503));
        ScriptedBackend steady = closer.add(ScriptedBackend.start("steady"));
        ProxyFixture p = proxy(", retries: 0", busy.hostPort(), steady.hostPort());
        assertThat(send(p, "GET", null).statusCode()).isEqualTo(503);
        assertThat(steady.requests()).isEmpty();
    }
}
