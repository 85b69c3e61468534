package io.swarmingress.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import io.swarmingress.proxy.server.DrainEvent;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.TestContexts;

/**
 * A kept-alive connection that is idle when shutdown begins: its client may have sent the next
 * request already. Closing at once would reset that request unanswered (the chaos test's load
 * client saw exactly that on SIGTERM), so the request is answered, with Connection: close, and
 * only a connection still idle after {@link Http1Connection#DRAIN_IDLE_NANOS} is closed.
 */
class ShutdownDrainTest {
    private final MockTicker ticker = Ticker.newMockTicker();
    private IngressMetrics metrics;
    private EntrypointContext entrypoint;
    private EmbeddedChannel channel;

    @BeforeEach
    void start() {
        metrics = new IngressMetrics();
        IngressConfig config = new ConfigParser().parse(String.join("\n",
                "entrypoints: [{name: web, address: '127.0.0.1:0'}]",
                "routes: [{entrypoint: web, host: empty.example.com, service: empty}]",
                "services: [{name: empty, endpoints: []}]", ""), "embedded.yaml");
        RoutingTable table = RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC());
        channel = EmbeddedChannel.builder().ticker(ticker).build();
        entrypoint = TestContexts.of(config, "web", table, metrics);
        new Http1Front().initChannel(channel, entrypoint);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        metrics.close();
    }

    private void drain() {
        TestContexts.startDraining(entrypoint);
        channel.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        channel.runPendingTasks();
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

    @Test
    void aRequestArrivingJustAfterTheDrainBeganIsAnsweredWithConnectionClose() {
        send("GET / HTTP/1.1\r\nHost: empty.example.com\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 503 ").doesNotContain("connection: close");

        drain();
        assertThat(channel.isActive()).as("idle, but a request may be on its way").isTrue();
        send("GET / HTTP/1.1\r\nHost: empty.example.com\r\n\r\n");

        assertThat(written()).startsWith("HTTP/1.1 503 ").contains("connection: close\r\n");
        assertThat(channel.isActive()).as("closed after the answer").isFalse();
    }

    @Test
    void aConnectionStillIdleAfterTheDrainTimeIsClosed() {
        drain();
        advance(TimeUnit.NANOSECONDS.toMillis(Http1Connection.DRAIN_IDLE_NANOS) - 1);
        assertThat(channel.isActive()).isTrue();
        advance(1);
        assertThat(channel.isActive()).isFalse();
        assertThat(written()).isEmpty();
    }
}
