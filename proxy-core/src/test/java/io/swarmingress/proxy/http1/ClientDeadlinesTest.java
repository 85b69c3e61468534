package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * The client deadlines on a fake clock: a head due a fixed time after its first byte however it
 * trickles in (slowloris), a body that must keep a minimum rate (slow POST) except while the proxy
 * itself is not reading it, the idle timeout between requests. Nothing sleeps; the ticker of the
 * loop is moved by hand, and each deadline is checked one millisecond before and at its instant.
 */
class ClientDeadlinesTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private InMemoryProxy proxy;

    /** A route to {@code app.test}; other hosts are answered 404 by the proxy itself. */
    private void start(String entrypointOptions) {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'" + entrypointOptions + "}]",
                "routes: [{entrypoint: web, host: app.test, service: app}]",
                "services: [{name: app, endpoints: ['10.0.0.1:80']}]", ""));
    }

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private double timeouts(String phase) {
        return proxy.meter("ingress_client_timeouts_total{entrypoint=\"web\",phase=\"" + phase + "\"}");
    }

    @Test
    void aHeadTrickledInIsCutOffAFixedTimeAfterItsFirstByteWithA408() {
        start(", request_header_timeout: 2s");
        proxy.send("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 19; i++) {
            proxy.advance(100);
            proxy.send("X-Slow-" + i + ": 1\r\n");
        }
        assertThat(proxy.client().isActive()).as("1.9 s after the first byte, reads notwithstanding").isTrue();
        proxy.advance(100);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close\r\n");
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(timeouts("header")).isEqualTo(1.0);
        assertThat(proxy.upstreamsOpened()).as("nothing of an incomplete head goes upstream").isZero();
    }

    @Test
    void aConnectionThatSendsNothingIsClosedSilentlyAtItsFirstHeadsDeadline() {
        start(", request_header_timeout: 2s, client_idle_timeout: 60s");
        proxy.advance(1999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(proxy.received()).isEmpty();
        assertThat(timeouts("header")).isEqualTo(1.0);
    }

    @Test
    void afterAProxiedExchangeTheNextHeadHasItsOwnDeadlineFromItsFirstByte() {
        start(", request_header_timeout: 2s, client_idle_timeout: 60s");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.send(OK);
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(upstream.received()).startsWith("GET / HTTP/1.1\r\n");

        proxy.advance(10_000);
        assertThat(proxy.client().isActive()).as("idle between requests, within client_idle_timeout").isTrue();
        proxy.send("GET / HTTP/1.1\r\nHost: app");
        proxy.advance(1999);
        proxy.send(".test\r\nX-Slow: 1\r\n");
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close\r\n");
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(upstream.received()).as("the endpoint saw nothing of the late head").isEmpty();
        assertThat(upstream.isActive()).as("the pooled upstream connection is not the client's to close").isTrue();
        assertThat(timeouts("header")).isEqualTo(1.0);
    }

    @Test
    void betweenRequestsTheIdleTimeoutAppliesAndActivityKeepsTheConnection() {
        start(", client_idle_timeout: 400ms");
        for (int i = 0; i < 3; i++) {
            proxy.send(GET);
            proxy.upstream(0).send(OK);
            assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n");
            proxy.advance(250);
        }
        // Open for 750 ms in all, never idle for 400: the last exchange ended at t = 500 ms.
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(149);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(proxy.received()).as("closed silently: no request was under way").isEmpty();
        assertThat(timeouts("idle")).isEqualTo(1.0);
    }

    @Test
    void theIdleTimeoutRunsFromTheEndOfTheResponseHoweverLongItTook() {
        start(", client_idle_timeout: 5s");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0");
        for (int i = 1; i < 10; i++) {
            proxy.advance(1000);
            upstream.send(Integer.toString(i));
        }
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n0123456789");
        // The client last sent at t = 0; the response ended at t = 9 s, so the connection is idle from then.
        proxy.advance(4999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(timeouts("idle")).isEqualTo(1.0);
    }

    @Test
    void aNewHeadAfterAnIdlePeriodIsDueItsOwnTimeNotTheIdleTimeout() {
        start(", request_header_timeout: 2s, client_idle_timeout: 5s");
        proxy.send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(proxy.received()).startsWith("HTTP/1.1 404 ");
        proxy.advance(4000);
        assertThat(proxy.client().isActive()).as("idle for 4 s of 5").isTrue();
        proxy.send("GET / HTT");
        proxy.advance(1999);
        assertThat(proxy.client().isActive()).as("the next head started 1.999 s ago").isTrue();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 ");
        assertThat(proxy.client().isActive()).isFalse();
    }

    @Test
    void aBodyMustKeepTheMinimumRateEvenWhileItIsBeingDropped() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1024");
        proxy.send("POST / HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(2048));
        assertThat(proxy.received()).startsWith("HTTP/1.1 404 ");
        // 2 s allowed, plus 1 s per 1024 bytes received: 2048 bytes at once buy until t = 4 s.
        proxy.advance(3999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(timeouts("body")).isEqualTo(1.0);
    }

    @Test
    void aBodyKeepingTheRateIsNeverCutOff() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1024");
        proxy.send("POST / HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 20480\r\n\r\n");
        proxy.received();
        for (int i = 0; i < 20; i++) {
            proxy.advance(900);
            proxy.send("x".repeat(1024));
        }
        proxy.send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(proxy.received()).as("the dropped body ended and the next request was answered").startsWith("HTTP/1.1 404 ");
        assertThat(proxy.client().isActive()).isTrue();
        assertThat(timeouts("body")).isZero();
    }

    @Test
    void aBodyTooSlowForTheRateGets408BeforeAnyResponse() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1000");
        proxy.send("POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
        EmbeddedUpstream upstream = proxy.upstream(0);
        assertThat(upstream.received()).endsWith("x".repeat(1000));
        proxy.advance(2999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close\r\n");
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(upstream.isActive()).as("the endpoint holds half a request: that connection is done").isFalse();
        assertThat(timeouts("body")).isEqualTo(1.0);
    }

    /**
     * Time during which the proxy stopped reading the body, because the endpoint did not take it,
     * is not held against the client: only the time the proxy was reading counts.
     */
    @Test
    void aBodyPausedByTheEndpointIsNotCutOffWhilePaused() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1000000");
        String chunk = "x".repeat(40_000);
        proxy.send("POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.stopReading();
        proxy.send(chunk);
        proxy.send(chunk);
        // 80 000 bytes wait for the endpoint, above the upstream channel's high-water mark: the proxy stops reading.
        assertThat(upstream.isWritable()).isFalse();
        assertThat(proxy.client().config().isAutoRead()).isFalse();
        proxy.send(chunk);
        assertThat(proxy.client().hasUnread()).as("the third chunk waits in the client's socket").isTrue();

        // Received 80 000 bytes at 1 MB/s: due 2.08 s after the head. Paused for 10 s instead.
        proxy.advance(10_000);
        assertThat(proxy.client().isActive()).as("paused for 10 s, past the body deadline, and still open").isTrue();
        assertThat(proxy.received()).isEmpty();

        upstream.startReading();
        assertThat(proxy.client().config().isAutoRead()).isTrue();
        assertThat(proxy.client().hasUnread()).isFalse();
        assertThat(upstream.received()).startsWith("POST / HTTP/1.1\r\n").endsWith("\r\n\r\n" + chunk + chunk + chunk);

        // Now 120 000 bytes: due 2.12 s of reading after the head, that is 12.12 s with the pause.
        proxy.advance(2119);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(proxy.client().isActive()).isFalse();
        assertThat(timeouts("body")).isEqualTo(1.0);
    }

    @Test
    void aBodyThatStopsWhenThePauseEndsIsCutOffAtItsDeadlineNotLater() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1000000");
        String chunk = "x".repeat(40_000);
        proxy.send("POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.stopReading();
        proxy.send(chunk);
        proxy.send(chunk);
        assertThat(proxy.client().config().isAutoRead()).isFalse();
        proxy.advance(10_000);
        upstream.startReading();

        // Nothing more comes: 80 000 bytes at 1 MB/s plus 2 s, plus the 10 s paused, make t = 12.08 s.
        proxy.advance(2079);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);
        assertThat(proxy.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(proxy.client().isActive()).isFalse();
    }
}
