package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.TestContexts;

/**
 * The review of issue 8 against the client deadlines, on a fake clock (no sleeping): attacks a
 * slowloris author would try once the plain trickled head is cut off as it should be.
 */
class HeadDeadlineAttackTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private IngressMetrics metrics;
    private EmbeddedChannel channel;

    private void start(String entrypointOptions) {
        metrics = new IngressMetrics();
        IngressConfig config = new ConfigParser().parse(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'" + entrypointOptions + "}]",
                "routes: [{entrypoint: web, host: empty.example.com, service: empty}]",
                "services: [{name: empty, endpoints: []}]", ""), "embedded.yaml");
        RoutingTable table = RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC());
        channel = EmbeddedChannel.builder().ticker(ticker).build();
        new Http1Front().initChannel(channel, TestContexts.of(config, "web", table, metrics));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        metrics.close();
    }

    private void send(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    private void advance(long millis) {
        ticker.advance(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    private String written() {
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    /**
     * Slowloris on a keep-alive connection with empty lines: RFC 9112 section 2.2 lets a server
     * skip CRLFs before a request line, and HeadLines.scan does, consuming them. After the first
     * exchange the head clock (ClientDeadlines.headPending) is only started when unparsed bytes
     * remain (Http1Connection.readRequests: {@code inbound.any()}), and skipped CRLFs leave none;
     * so each CRLF is just a read that re-arms the idle timer. One CRLF per idle period (60 s by
     * default) holds the connection for up to 256 of them (HeadLines' skipped-line cap), over
     * four hours, where the policy allows request_header_timeout (10 s) from the head's first byte.
     */
    @Test
    void emptyLinesTrickledBetweenRequestsDoNotHoldTheConnectionPastTheHeadDeadline() {
        start(", request_header_timeout: 10s, client_idle_timeout: 60s");
        send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 404 ");
        assertThat(channel.isActive()).isTrue();
        for (int i = 0; i < 10 && channel.isActive(); i++) {
            advance(50_000);
            if (channel.isActive()) {
                send("\r\n");
            }
        }
        assertThat(channel.isActive())
                .as("500 s after the first byte of the next head (an empty line), with a 10 s request_header_timeout")
                .isFalse();
    }
}
