package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.TestContexts;

/** The answers the proxy gives by itself, checked on an EmbeddedChannel with the real codec. */
class LocalAnswersTest {
    private static final String CONFIG = String.join("\n",
            "entrypoints: [{name: web, address: '127.0.0.1:0'}]",
            "routes:",
            "  - {entrypoint: web, host: empty.example.com, service: empty}",
            "services:",
            "  - {name: empty, endpoints: []}",
            "");
    private IngressMetrics metrics;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        metrics = new IngressMetrics();
        IngressConfig config = new ConfigParser().parse(CONFIG, "embedded.yaml");
        RoutingTable table = RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC());
        channel = new EmbeddedChannel();
        new Http1Front().initChannel(channel, TestContexts.of(config, "web", table));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        metrics.close();
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void unknownHostIs404AndTheConnectionStaysUsable() {
        String first = exchange("GET / HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
        assertThat(first).startsWith("HTTP/1.1 404 Not Found\r\n").contains("no route").doesNotContain("connection: close");
        assertThat(channel.isActive()).isTrue();
        String second = exchange("GET /again HTTP/1.1\r\nHost: nowhere.example.com\r\n\r\n");
        assertThat(second).startsWith("HTTP/1.1 404 ");
        assertThat(metrics.scrape()).contains("ingress_requests_total{code=\"404\",entrypoint=\"web\",service=\"none\"} 2.0");
    }

    @Test
    void theProxysOwnAnswerToHeadHasNoBodySoTheNextResponseStaysInStep() {
        // A regression: with responses written as bytes, a 404 to HEAD carried its body and the
        // client read that body as the start of the next response.
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
        assertThat(metrics.scrape()).contains("ingress_requests_total{code=\"503\",entrypoint=\"web\",service=\"empty\"} 1.0");
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
