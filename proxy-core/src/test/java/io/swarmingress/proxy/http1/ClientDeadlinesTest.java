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
 * The client deadlines on a fake clock: a head due a fixed time after its first byte however it
 * trickles in (slowloris), a body that must keep a minimum rate (slow POST), the idle timeout
 * between requests. Nothing sleeps; the ticker of the channel's event loop is moved by hand.
 */
class ClientDeadlinesTest {
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

    private double timeouts(String phase) {
        String line = "ingress_client_timeouts_total{entrypoint=\"web\",phase=\"" + phase + "\"} ";
        String scrape = metrics.scrape();
        int at = scrape.indexOf(line);
        return at < 0 ? -1 : Double.parseDouble(scrape.substring(at + line.length(), scrape.indexOf('\n', at)));
    }

    @Test
    void aHeadTrickledInIsCutOffAFixedTimeAfterItsFirstByteWithA408() {
        start(", request_header_timeout: 2s");
        send("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 19; i++) {
            advance(100);
            send("X-Slow-" + i + ": 1\r\n");
        }
        assertThat(channel.isActive()).as("1.9 s after the first byte, reads notwithstanding").isTrue();
        advance(100);
        assertThat(written()).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close\r\n");
        assertThat(channel.isActive()).isFalse();
        assertThat(timeouts("header")).isEqualTo(1.0);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedSilentlyAtItsFirstHeadsDeadline() {
        start(", request_header_timeout: 2s, client_idle_timeout: 60s");
        advance(1999);
        assertThat(channel.isActive()).isTrue();
        advance(1);
        assertThat(channel.isActive()).isFalse();
        assertThat(written()).isEmpty();
        assertThat(timeouts("header")).isEqualTo(1.0);
    }

    @Test
    void betweenRequestsTheIdleTimeoutAppliesAndTheNextHeadHasItsOwnDeadline() {
        start(", request_header_timeout: 2s, client_idle_timeout: 5s");
        send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 404 ");
        advance(4000);
        assertThat(channel.isActive()).as("idle for 4 s of 5").isTrue();
        send("GET / HTT");
        advance(1999);
        assertThat(channel.isActive()).as("the next head started 1.999 s ago").isTrue();
        advance(1);
        assertThat(written()).startsWith("HTTP/1.1 408 ");
        assertThat(channel.isActive()).isFalse();

        channel.finishAndReleaseAll();
        metrics.close();
        start(", client_idle_timeout: 5s");
        send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        written();
        advance(4999);
        assertThat(channel.isActive()).isTrue();
        advance(1);
        assertThat(channel.isActive()).isFalse();
        assertThat(timeouts("idle")).isEqualTo(1.0);
    }

    @Test
    void aBodyMustKeepTheMinimumRateEvenWhileItIsBeingDropped() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1024");
        send("POST / HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(2048));
        assertThat(written()).startsWith("HTTP/1.1 404 ");
        // 2 s allowed, plus 1 s per 1024 bytes received: 2048 bytes at once buy until t = 4 s.
        advance(3999);
        assertThat(channel.isActive()).isTrue();
        advance(1);
        assertThat(channel.isActive()).isFalse();
        assertThat(timeouts("body")).isEqualTo(1.0);
    }

    @Test
    void aBodyKeepingTheRateIsNeverCutOff() {
        start(", request_body_timeout: 2s, request_body_min_rate: 1024");
        send("POST / HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 20480\r\n\r\n");
        written();
        for (int i = 0; i < 20; i++) {
            advance(900);
            send("x".repeat(1024));
        }
        send("GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(written()).as("the dropped body ended and the next request was answered").startsWith("HTTP/1.1 404 ");
        assertThat(channel.isActive()).isTrue();
        assertThat(timeouts("body")).isZero();
    }
}
