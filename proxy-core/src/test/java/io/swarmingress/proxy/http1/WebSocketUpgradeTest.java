package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * The HTTP/1.1 edge's rules for {@code Upgrade}, in memory on a fake clock: only a WebSocket
 * handshake (an HTTP/1.1 GET without a body, {@code Connection: upgrade}, one {@code Upgrade:
 * websocket}) is offered to the endpoint; only a 101 that switches to WebSocket turns the
 * connection into a relay of bytes; any other answer is the endpoint's answer and the connection
 * stays HTTP (what the client sends next is parsed as requests, so a refused upgrade smuggles
 * nothing past the routes). The relay has its own idle timeout and gauge.
 */
class WebSocketUpgradeTest {
    private static final String HANDSHAKE = "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: keep-alive, Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCH = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    private static final String UPGRADED = "ingress_upgraded_connections{entrypoint=\"web\",service=\"app\"}";

    private InMemoryProxy proxy;

    @BeforeEach
    void start() {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0', client_idle_timeout: 60s}]",
                "routes: [{entrypoint: web, path_prefix: /chat, service: app}]",
                "services: [{name: app, endpoints: ['10.0.0.1:80'], idle_timeout: 60s, tunnel_timeout: 300s}]", ""));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    /** Sends the handshake and the endpoint's 101; @return the endpoint's connection, now a tunnel */
    private EmbeddedUpstream upgraded() {
        proxy.send(HANDSHAKE);
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.received();
        upstream.send(SWITCH);
        assertThat(proxy.received()).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        return upstream;
    }

    @Test
    void theHandshakeReachesTheEndpointWithItsUpgradeLinesInCanonicalForm() {
        proxy.send(HANDSHAKE);

        assertThat(proxy.upstream(0).received()).startsWith("GET /chat HTTP/1.1\r\nHost: app.test\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        + "connection: upgrade\r\nupgrade: websocket\r\nx-forwarded-for: ")
                .doesNotContainIgnoringCase("keep-alive");
    }

    @Test
    void a101MakesTheConnectionARelayOfBytesBothWays() {
        proxy.send(HANDSHAKE);
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.received();
        upstream.send(SWITCH);

        assertThat(proxy.received()).isEqualTo("HTTP/1.1 101 Switching Protocols\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n");
        // Bytes that are no HTTP at all: a WebSocket frame each way, relayed as they are.
        proxy.send("\u0081\u0085\u0037\u00fa\u0021\u003d\u007f\u009f\u004d\u0051\u0058");
        assertThat(upstream.received()).isEqualTo("\u0081\u0085\u0037\u00fa\u0021\u003d\u007f\u009f\u004d\u0051\u0058");
        upstream.send("\u0081\u0005Hello");
        assertThat(proxy.received()).isEqualTo("\u0081\u0005Hello");
        // Even what looks like a request is only bytes now: it goes to the same endpoint, unrouted.
        proxy.send("GET /admin HTTP/1.1\r\nHost: app.test\r\n\r\n");
        assertThat(upstream.received()).isEqualTo("GET /admin HTTP/1.1\r\nHost: app.test\r\n\r\n");
        assertThat(proxy.upstreamsOpened()).isEqualTo(1);
        assertThat(proxy.meter(UPGRADED)).isEqualTo(1);
        assertThat(proxy.meter("ingress_requests_total{code=\"101\",entrypoint=\"web\",protocol=\"ws\",service=\"app\"}")).isEqualTo(1);
    }

    @Test
    void whenTheEndpointClosesTheClientConnectionClosesAndTheGaugeDrops() {
        EmbeddedUpstream upstream = upgraded();
        assertThat(proxy.meter(UPGRADED)).isEqualTo(1);

        upstream.close();
        proxy.advance(0);

        assertThat(proxy.client().isActive()).isFalse();
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void whenTheClientClosesTheEndpointConnectionCloses() {
        EmbeddedUpstream upstream = upgraded();

        proxy.client().close();
        proxy.advance(0);

        assertThat(upstream.isActive()).isFalse();
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void bytesThatCameWithThe101ReachTheClientAfterIt() {
        proxy.send(HANDSHAKE);
        proxy.upstream(0).send(SWITCH + "\u0081\u0002hi");

        assertThat(proxy.received()).endsWith("upgrade: websocket\r\n\r\n\u0081\u0002hi");
    }

    @Test
    void bytesTheClientSentBeforeThe101ReachTheEndpointAfterIt() {
        proxy.send(HANDSHAKE + "\u0081\u0082abcd");
        EmbeddedUpstream upstream = proxy.upstream(0);
        assertThat(upstream.received()).endsWith("\r\n\r\n");

        upstream.send(SWITCH);

        assertThat(upstream.received()).isEqualTo("\u0081\u0082abcd");
    }

    @Test
    void aRefusedUpgradeIsTheEndpointsAnswerAndWhatFollowsIsParsedAsRequests() {
        // A request pipelined behind the handshake: were the connection taken for a tunnel without a
        // 101, it would reach the endpoint unrouted (there is no route for /admin).
        proxy.send(HANDSHAKE + "GET /admin HTTP/1.1\r\nHost: app.test\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        assertThat(upstream.received()).startsWith("GET /chat ").doesNotContain("/admin");

        upstream.send("HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 4\r\n\r\nnope");

        String received = proxy.received();
        assertThat(received).startsWith("HTTP/1.1 426 Upgrade Required\r\n").doesNotContainIgnoringCase("upgrade: websocket")
                .contains("\r\n\r\nnope");
        assertThat(received.substring(received.indexOf("nope") + 4)).startsWith("HTTP/1.1 404 Not Found\r\n");
        // The endpoint that refused may have switched all the same: its connection is not reused.
        assertThat(upstream.isActive()).isFalse();
        assertThat(upstream.received()).doesNotContain("/admin");
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void aRefusedUpgradeKeepsTheClientConnectionForTheNextRequest() {
        proxy.send(HANDSHAKE);
        proxy.upstream(0).send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        assertThat(proxy.received()).startsWith("HTTP/1.1 400 Bad Request\r\n");

        proxy.send("GET /chat/history HTTP/1.1\r\nHost: app.test\r\n\r\n");
        EmbeddedUpstream second = proxy.upstream(1);
        assertThat(second.received()).startsWith("GET /chat/history HTTP/1.1\r\n").doesNotContainIgnoringCase("upgrade");
        second.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // another protocol, alone or beside websocket
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket, h2c\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2\r\n\r\n",
            // two Upgrade lines, or websocket without the upgrade option in Connection
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: websocket\r\n\r\n",
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nUpgrade: websocket\r\n\r\n",
            // not an HTTP/1.1 GET without a body (RFC 6455 section 4.1)
            "GET /chat HTTP/1.0\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "POST /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi",
            "GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    })
    void anythingButAWebSocketHandshakeGoesOnWithoutUpgradeAndA101ToItIs502(String request) {
        proxy.send(request);
        EmbeddedUpstream upstream = proxy.upstream(0);

        assertThat(upstream.received()).doesNotContainIgnoringCase("upgrade").doesNotContainIgnoringCase("http2-settings");
        upstream.send(SWITCH);

        assertThat(proxy.received()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(upstream.isActive()).isFalse();
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void a101ThatDoesNotSwitchToWebSocketIs502() {
        proxy.send(HANDSHAKE);
        EmbeddedUpstream upstream = proxy.upstream(0);

        upstream.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");

        assertThat(proxy.received()).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("without 'Upgrade: websocket'");
        assertThat(upstream.isActive()).isFalse();
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void theRelayOutlivesTheHttpIdleTimeoutsAndClosesAfterItsOwn() {
        EmbeddedUpstream upstream = upgraded();

        // Past the entrypoint's and the service's idle timeouts (60 s): a WebSocket idles by nature.
        proxy.advance(200_000);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.send("\u0081\u0080abcd");
        assertThat(upstream.received()).isEqualTo("\u0081\u0080abcd");
        // 300 s of silence from the last byte, not from the upgrade.
        proxy.advance(299_999);
        assertThat(proxy.client().isActive()).isTrue();
        proxy.advance(1);

        assertThat(proxy.client().isActive()).isFalse();
        assertThat(upstream.isActive()).isFalse();
        assertThat(proxy.meter(UPGRADED)).isZero();
    }

    @Test
    void aClientThatDoesNotReadStopsTheEndpointBeingRead() {
        EmbeddedUpstream upstream = upgraded();
        proxy.client().stopReading();

        String chunk = "x".repeat(16 * 1024);
        int sent = 0;
        while (upstream.config().isAutoRead() && sent < 1000) {
            upstream.send(chunk);
            sent++;
        }

        assertThat(upstream.config().isAutoRead()).as("the endpoint is no longer read").isFalse();
        // What the proxy holds is one write-buffer mark and a read, not what the endpoint sends.
        assertThat(sent).isLessThan(16);
        upstream.send(chunk);
        assertThat(upstream.hasUnread()).isTrue();
        proxy.client().startReading();
        assertThat(proxy.received()).hasSize((sent + 1) * chunk.length());
        assertThat(upstream.hasUnread()).isFalse();
    }

    @Test
    void anEndpointThatDoesNotReadStopsTheClientBeingRead() {
        EmbeddedUpstream upstream = upgraded();
        upstream.stopReading();

        String chunk = "y".repeat(16 * 1024);
        int sent = 0;
        while (proxy.client().config().isAutoRead() && sent < 1000) {
            proxy.send(chunk);
            sent++;
        }

        assertThat(proxy.client().config().isAutoRead()).as("the client is no longer read").isFalse();
        assertThat(sent).isLessThan(16);
        proxy.send(chunk);
        assertThat(proxy.client().hasUnread()).isTrue();
        upstream.startReading();
        assertThat(upstream.received()).hasSize((sent + 1) * chunk.length());
        assertThat(proxy.client().hasUnread()).isFalse();
    }
}
