package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedPeer;
import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * Upstream connections kept between exchanges, on a fake clock: reused while fresh, by any client
 * connection of the loop; closed once idle in the pool for the service's {@code idle_timeout}
 * (the peer may be gone without a word); never closed by that check while an exchange uses them;
 * not reused after an exchange that left them out of step.
 */
class UpstreamPoolTest {
    private static final String GET = "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private InMemoryProxy proxy;

    private void start(String serviceOptions) {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0', client_idle_timeout: 600s}]",
                "routes: [{entrypoint: web, service: app}]",
                "services: [{name: app" + serviceOptions + ", endpoints: ['10.0.0.1:80']}]",
                ""));
    }

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The first client's request, sent already, answered by {@code upstream}. */
    private void roundTripOn(EmbeddedUpstream upstream) {
        assertThat(upstream.received()).startsWith("GET / HTTP/1.1\r\n");
        upstream.send(OK);
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    }

    /** A request from {@code client} that must reach {@code expected}, and its answer. */
    private void roundTrip(EmbeddedPeer client, EmbeddedUpstream expected) {
        client.send(GET);
        assertThat(expected.received()).startsWith("GET / HTTP/1.1\r\n");
        expected.send(OK);
        assertThat(client.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    }

    @Test
    void aPooledConnectionIdleForTheIdleTimeoutIsClosedAndTheNextRequestOpensANewOne() {
        start(", idle_timeout: 3s");
        proxy.send(GET);
        EmbeddedUpstream first = proxy.upstream(0);
        roundTripOn(first);

        proxy.advance(2000);
        roundTrip(proxy.client(), first);
        assertThat(proxy.upstreamsOpened()).as("reused while fresh").isEqualTo(1);

        // Back in the pool at t = 2 s: idle for 3 s at t = 5 s, though it was opened at t = 0.
        proxy.advance(2999);
        assertThat(first.isActive()).isTrue();
        proxy.advance(1);
        assertThat(first.isActive()).as("closed after 3 s unused in the pool").isFalse();

        proxy.send(GET);
        EmbeddedUpstream second = proxy.upstream(1);
        assertThat(second.received()).startsWith("GET / HTTP/1.1\r\n");
        second.send(OK);
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n");
    }

    @Test
    void aConnectionInUseIsNotClosedByThePoolsIdleCheck() {
        start(", idle_timeout: 3s, response_timeout: 10s");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);

        // The pool's check fires at 3, 6 and 9 s; the exchange waits for its response until 10 s.
        proxy.advance(9999);
        assertThat(upstream.isActive()).isTrue();
        assertThat(proxy.received()).isEmpty();
        upstream.send(OK);
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n");
    }

    @Test
    void anotherClientConnectionOfTheLoopReusesThePooledConnection() {
        start("");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        roundTripOn(upstream);

        EmbeddedPeer other = proxy.connect();
        roundTrip(other, upstream);
        assertThat(proxy.upstreamsOpened()).isEqualTo(1);
    }

    @Test
    void bytesFromAnIdlePooledConnectionCloseIt() {
        start("");
        proxy.send(GET);
        EmbeddedUpstream upstream = proxy.upstream(0);
        roundTripOn(upstream);

        upstream.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertThat(upstream.isActive()).as("a response nobody asked for: the connection is out of step").isFalse();
        assertThat(proxy.received()).isEmpty();
        proxy.send(GET);
        assertThat(proxy.upstream(1).received()).startsWith("GET / HTTP/1.1\r\n");
    }

    @Test
    void aConnectionWhoseResponseEndedAtCloseOrBeforeTheRequestDidIsNotReused() {
        start("");
        proxy.send(GET);
        EmbeddedUpstream closing = proxy.upstream(0);
        closing.send("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
        assertThat(closing.isActive()).as("the endpoint said it closes").isFalse();

        // An early answer (a 413 before the body was sent) leaves unsent request bytes behind it.
        proxy.send("POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\n\r\n01234");
        EmbeddedUpstream early = proxy.upstream(1);
        early.send("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
        assertThat(proxy.received()).startsWith("HTTP/1.1 413 ").containsIgnoringCase("connection: close");
        assertThat(early.isActive()).isFalse();
    }
}
