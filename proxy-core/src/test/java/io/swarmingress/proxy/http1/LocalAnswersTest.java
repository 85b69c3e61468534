package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.EmbeddedPeer;
import io.swarmingress.proxy.testing.InMemoryProxy;

/**
 * The answers the proxy gives by itself (no route, no endpoint, a head it will not forward), read
 * as the bytes a client gets, on the in-memory path: what is answered, and whether the connection
 * stays usable after.
 */
class LocalAnswersTest {
    private static final String CONFIG = String.join("\n",
            "entrypoints: [{name: web, address: '127.0.0.1:0'}]",
            "routes:",
            "  - {entrypoint: web, host: empty.example.com, service: empty}",
            "services:",
            "  - {name: empty, endpoints: []}",
            "");
    private InMemoryProxy proxy;
    private EmbeddedPeer channel;

    @BeforeEach
    void setUp() {
        proxy = InMemoryProxy.start(CONFIG);
        channel = proxy.client();
    }

    @AfterEach
    void tearDown() {
        proxy.close();
    }

    private String exchange(String request) {
        channel.send(request);
        return channel.received();
    }

    @Test
    void unknownHostIs404AndTheConnectionStaysUsable() {
        String first = exchange("GET / HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
        assertThat(first).startsWith("HTTP/1.1 404 Not Found\r\n").contains("no route").doesNotContain("connection: close");
        assertThat(channel.isActive()).isTrue();
        String second = exchange("GET /again HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
        assertThat(second).startsWith("HTTP/1.1 404 ");
        assertThat(proxy.meter("ingress_requests_total{code=\"404\",entrypoint=\"web\",protocol=\"http1\",service=\"none\"}")).isEqualTo(2.0);
    }

    @Test
    void theProxysOwnAnswerToHeadHasNoBodySoTheNextResponseStaysInStep() {
        // A client reads no body after the head of an answer to HEAD: a body sent anyway would be
        // read as the start of the next response.
        String out = exchange("HEAD / HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\nGET / HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
        int second = out.indexOf("HTTP/1.1 404", 1);
        assertThat(out).startsWith("HTTP/1.1 404 Not Found\r\n");
        assertThat(second).isGreaterThan(0);
        assertThat(out.substring(0, second)).endsWith("\r\n\r\n").doesNotContain("no route");
        assertThat(out.substring(second)).contains("no route");
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        String out = exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: empty.example.com\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
        int a = out.indexOf("404 Not Found");
        int b = out.indexOf("503 Service Unavailable");
        int c = out.indexOf("404 Not Found", b);
        assertThat(a).isGreaterThanOrEqualTo(0);
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    @Test
    void serviceWithoutEndpointsIs503() {
        String out = exchange("GET / HTTP/1.1\r\nHost: empty.example.com\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 503 Service Unavailable\r\n").contains("service 'empty' has no endpoints");
        assertThat(proxy.meter("ingress_requests_total{code=\"503\",entrypoint=\"web\",protocol=\"http1\",service=\"empty\"}")).isEqualTo(1.0);
    }

    @Test
    void theBodyOfARejectedRequestIsReadAndDropped() {
        String out = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
                + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(out.split("HTTP/1.1 404", -1)).hasSize(3);
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void missingHostIs400AndCloses() {
        String out = exchange("GET / HTTP/1.1\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void duplicateHostIs400() {
        assertThat(exchange("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void malformedRequestLineIs400AndCloses() {
        String out = exchange("THIS IS NOT HTTP\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void oversizedHeadersAre431() {
        String out = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void oversizedRequestLineIs414() {
        String out = exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 414 ");
    }

    @Test
    void connectIsRefused() {
        assertThat(exchange("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")).startsWith("HTTP/1.1 405 ");
    }

    @Test
    void http10ClientGetsKeepAliveOnlyWhenItAsks() {
        assertThat(exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 404 ").contains("connection: keep-alive");
        assertThat(channel.isActive()).isTrue();
        assertThat(exchange("GET / HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 404 ").contains("connection: close");
        assertThat(channel.isActive()).isFalse();
    }
}
