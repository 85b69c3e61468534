package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * An exchange's deadlines on the whole data path, on a fake clock: the response head within the
 * service's {@code response_timeout} (else 504), no silence longer than its {@code idle_timeout}
 * once the response started (else the client is cut off), and the client connection's own
 * deadlines still in force after either. Each deadline is checked to the millisecond on both
 * sides: still waiting one millisecond before, acted on at the deadline.
 */
class ExchangeDeadlinesTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private InMemoryProxy proxy;

    private void start(String entrypointOptions, String serviceOptions) {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'" + entrypointOptions + "}]",
                "routes:",
                "  - {entrypoint: web, path_prefix: /, service: app}",
                "  - {entrypoint: web, path_prefix: /strict, strip_prefix: true, service: strict}",
                "services:",
                "  - {name: app" + serviceOptions + ", endpoints: ['10.0.0.1:80']}",
                "  - {name: strict, response_timeout: 300ms, endpoints: ['10.0.0.1:80']}",
                ""));
    }

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void anUnansweredRequestIs504AtTheResponseTimeoutAndTheKeptConnectionStillClosesWhenIdle() {
        start(", client_idle_timeout: 5s", ", response_timeout: 2s");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        assertThat(upstream.received()).startsWith("GET / HTTP/1.1\r\n");

        proxy.advance(1999);
        assertThat(proxy.received()).isEmpty();
        proxy.advance(1);
        String answer = proxy.received();
        assertThat(answer).startsWith("HTTP/1.1 504 Gateway Timeout\r\n").doesNotContainIgnoringCase("connection: close");
        assertThat(upstream.isOpen()).as("an upstream connection that missed its answer is not reused").isFalse();
        assertThat(proxy.meter("ingress_requests_total{code=\"504\",entrypoint=\"web\",protocol=\"http1\",service=\"app\"}")).isEqualTo(1.0);

        // Kept alive after the 504 at t = 2 s, and idle from then: closed at t = 7 s.
        proxy.advance(4999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).as("closed by the idle timeout, not held forever").isFalse();
        assertThat(proxy.meter("ingress_client_timeouts_total{entrypoint=\"web\",phase=\"idle\"}")).isEqualTo(1.0);
    }

    @Test
    void aResponseThatFallsSilentForTheIdleTimeoutCutsTheClientOff() {
        start("", ", response_timeout: 10s, idle_timeout: 3s");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "a".repeat(10));
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("a".repeat(10));

        proxy.advance(2999);
        upstream.send("b".repeat(10));
        assertThat(proxy.received()).as("bytes move the idle deadline on").isEqualTo("b".repeat(10));
        proxy.advance(2999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).as("a response that cannot complete ends the connection").isFalse();
        assertThat(proxy.received()).isEmpty();
        assertThat(upstream.isOpen()).isFalse();
    }

    @Test
    void eachRequestGetsTheResponseTimeoutOfItsOwnService() {
        start("", ", response_timeout: 60s");
        proxy.send(GET);
        proxy.upstream(0).send(OK);
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n");

        // The same connection: the next request's 300 ms must win over the 60 s the timer was set for.
        proxy.send("GET /strict/hang HTTP/1.1\r\nHost: app.test\r\n\r\n");
        assertThat(proxy.upstream(0).received()).as("the pooled connection carries the second request")
                .contains("GET /hang HTTP/1.1\r\n");
        proxy.advance(299);
        assertThat(proxy.received()).isEmpty();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
        assertThat(proxy.meter("ingress_requests_total{code=\"504\",entrypoint=\"web\",protocol=\"http1\",service=\"strict\"}")).isEqualTo(1.0);
    }

    @Test
    void theResponseTimeoutStartsWhenTheRequestBodyHasBeenSent() {
        start("", ", response_timeout: 2s");
        proxy.send("POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\n\r\n01234");
        proxy.advance(5000);
        assertThat(proxy.received()).as("the body is not complete: no response is due yet").isEmpty();
        proxy.send("56789");
        assertThat(proxy.upstream(0).received()).endsWith("0123456789");
        proxy.advance(1999);
        assertThat(proxy.received()).isEmpty();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
    }
}
