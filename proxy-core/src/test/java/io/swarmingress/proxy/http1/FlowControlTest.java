package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedPeer;
import io.swarmingress.proxy.testing.EmbeddedUpstream;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * Reading follows the other side: the proxy reads a peer only while what it reads has somewhere
 * to go, so a peer that stops reading (a full socket buffer, played by
 * {@link EmbeddedPeer#stopReading()}) stops the flow from the other side instead of filling the
 * proxy's memory. Checked on the in-memory path, where a channel turns unwritable past its
 * high-water mark (64 KiB) exactly as a socket channel does, and bytes a paused proxy does not read
 * stay with the peer that sent them.
 */
class FlowControlTest {
    private InMemoryProxy proxy;

    @BeforeEach
    void start() {
        proxy = InMemoryProxy.start(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'}]",
                "routes: [{entrypoint: web, host: app.test, service: app}]",
                "services: [{name: app, endpoints: ['10.0.0.1:80']}]", ""));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    private double answered404() {
        return proxy.meter("ingress_requests_total{code=\"404\",entrypoint=\"web\",protocol=\"http1\",service=\"none\"}");
    }

    @Test
    void aClientThatNeverReadsItsAnswersGetsNoMoreOfThem() {
        EmbeddedPeer client = proxy.client();
        client.stopReading();
        String batch = ("GET / HTTP/1.1\r\nHost: unrouted.test\r\nX-Pad: " + "p".repeat(300) + "\r\n\r\n").repeat(50);
        for (int i = 0; i < 20; i++) {
            client.send(batch);
        }
        // About 150 bytes an answer: 64 KiB of unread answers is some 440 of them, not 1 000;
        // and the proxy reads no further once 64 KiB of requests wait unparsed.
        assertThat(answered404()).as("404s answered to a client that reads none of them").isBetween(100.0, 600.0);
        assertThat(client.isWritable()).isFalse();
        assertThat(client.config().isAutoRead()).as("the proxy stopped reading the client").isFalse();
        assertThat(client.hasUnread()).as("the rest of the requests wait on the client's side").isTrue();

        client.startReading();
        assertThat(answered404()).as("every request answered once the client reads").isEqualTo(1000.0);
        assertThat(client.received().split("HTTP/1.1 404 Not Found\r\n", -1)).hasSize(1001);
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void aClientThatDoesNotReadTheResponseStopsTheProxyReadingTheEndpoint() {
        EmbeddedPeer client = proxy.client();
        client.stopReading();
        client.send("GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        String chunk = "y".repeat(16 * 1024);
        upstream.send("HTTP/1.1 200 OK\r\nContent-Length: " + 16 * chunk.length() + "\r\n\r\n");
        for (int i = 0; i < 16; i++) {
            upstream.send(chunk);
        }
        assertThat(client.isWritable()).isFalse();
        assertThat(upstream.config().isAutoRead()).as("the proxy stopped reading the endpoint").isFalse();
        assertThat(upstream.hasUnread()).as("most of the body waits on the endpoint's side").isTrue();

        client.startReading();
        String response = client.received();
        assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n" + chunk.repeat(16));
        assertThat(upstream.hasUnread()).isFalse();
        assertThat(upstream.isActive()).as("a complete exchange: the connection is pooled").isTrue();
    }

    @Test
    void anEndpointThatDoesNotReadTheBodyStopsTheProxyReadingTheClient() {
        EmbeddedPeer client = proxy.client();
        String chunk = "z".repeat(16 * 1024);
        client.send("POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: " + 16 * chunk.length() + "\r\n\r\n");
        EmbeddedUpstream upstream = proxy.upstream(0);
        upstream.stopReading();
        for (int i = 0; i < 16; i++) {
            client.send(chunk);
        }
        assertThat(upstream.isWritable()).isFalse();
        assertThat(client.config().isAutoRead()).as("the proxy stopped reading the client").isFalse();
        assertThat(client.hasUnread()).as("most of the body waits on the client's side").isTrue();

        upstream.startReading();
        assertThat(client.hasUnread()).isFalse();
        assertThat(upstream.received()).startsWith("POST /upload HTTP/1.1\r\n").endsWith("\r\n\r\n" + chunk.repeat(16));
        upstream.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(client.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    }
}
