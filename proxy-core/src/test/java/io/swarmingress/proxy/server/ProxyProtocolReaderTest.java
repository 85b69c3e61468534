package io.swarmingress.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * The PROXY protocol reader ahead of a front, on an EmbeddedChannel with a fake clock: the front
 * starts only after a valid header, with the header's addresses, and gets exactly the bytes after
 * it; anything else closes the connection before the front exists, counted by reason. Headers are
 * written by Netty's own HAProxyMessageEncoder or by hand from the specification, not by the
 * proxy's encoder.
 */
class ProxyProtocolReaderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MockTicker ticker = Ticker.newMockTicker();
    private final IngressMetrics metrics = new IngressMetrics();
    private final RecordingFront front = new RecordingFront();
    private final EmbeddedChannel channel = EmbeddedChannel.builder().ticker(ticker).build();

    /** The front's handler: what it saw of the connection. */
    private static final class Seen extends ChannelInboundHandlerAdapter {
        int active;
        ClientAddresses addresses;
        final StringBuilder bytes = new StringBuilder();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active++;
            addresses = ClientAddresses.of(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
    }

    private static final class RecordingFront implements Front {
        int initialized;
        final Seen seen = new Seen();

        @Override
        public void initChannel(Channel ch, EntrypointContext entrypoint) {
            initialized++;
            ch.pipeline().addLast("front", seen);
        }
    }

    private final AtomicReference<RoutingTable> table = new AtomicReference<>(table(
            "entrypoints: [{name: edge, address: '127.0.0.1:0', proxy_protocol: true}]\n"));

    ProxyProtocolReaderTest() {
        EntrypointContext context = new EntrypointContext("edge", table, Transport.nio(),
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), metrics.connections("edge", "http"), name -> 0);
        ProxyProtocolReader.install(channel, context, front, TIMEOUT);
    }

    private RoutingTable table(String yaml) {
        IngressConfig config = new ConfigParser().parse(yaml, "reader.yaml");
        return RoutingTable.build(config, Map.of(), null, metrics, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        metrics.close();
    }

    private void send(ByteBuf bytes) {
        channel.writeInbound(bytes);
        channel.runPendingTasks();
    }

    private void send(String text) {
        send(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    /** A header as Netty's encoder writes it. */
    private static ByteBuf netty(HAProxyMessage message) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(message);
        ByteBuf out = encoder.readOutbound();
        encoder.finishAndReleaseAll();
        return out;
    }

    private double errors(String reason) {
        String line = "ingress_proxy_protocol_errors_total{entrypoint=\"edge\",reason=\"" + reason + "\"} ";
        for (String l : metrics.scrape().split("\n")) {
            if (l.startsWith(line)) {
                return Double.parseDouble(l.substring(line.length()));
            }
        }
        throw new AssertionError("no series " + line);
    }

    private void assertRefused(String reason) {
        assertThat(channel.isActive()).as("closed").isFalse();
        assertThat(front.initialized).as("the front never started").isZero();
        assertThat(errors(reason)).isEqualTo(1.0);
    }

    @Test
    void aV1HeaderStartsTheFrontWithItsAddressesAndTheRestFollows() {
        send("PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(front.initialized).isEqualTo(1);
        assertThat(front.seen.active).isEqualTo(1);
        assertThat(front.seen.addresses).isEqualTo(new ClientAddresses(new InetSocketAddress("203.0.113.7", 51234),
                new InetSocketAddress("192.0.2.1", 443), false));
        assertThat(front.seen.bytes).hasToString("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(channel.pipeline().get(HAProxyMessageDecoder.class)).as("decoder gone").isNull();
        assertThat(channel.pipeline().get(ProxyProtocolReader.class)).as("reader gone").isNull();
        send("more");
        assertThat(front.seen.bytes).endsWith("more");
        // The timer was cancelled: much later, nothing is counted and the connection stays.
        ticker.advance(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();
        assertThat(errors("timeout")).isZero();
    }

    @Test
    void aV2HeaderTrickledInByteByByteWorksToo() {
        ByteBuf header = netty(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6,
                "2001:db8::7", "2001:db8::1", 40000, 8080));
        while (header.isReadable()) {
            assertThat(front.initialized).isZero();
            send(header.readRetainedSlice(1));
        }
        header.release();
        assertThat(front.initialized).isEqualTo(1);
        assertThat(front.seen.addresses.source()).isEqualTo(new InetSocketAddress("2001:db8::7", 40000));
        assertThat(front.seen.addresses.destination()).isEqualTo(new InetSocketAddress("2001:db8::1", 8080));
        assertThat(front.seen.bytes).isEmpty();
    }

    @Test
    void aV2SslTlvMeansTheClientUsedTls() {
        // PP2_CLIENT_SSL (0x01): the balancer in front terminated TLS for this client.
        HAProxySSLTLV ssl = new HAProxySSLTLV(0, (byte) 0x01, List.<HAProxyTLV>of());
        send(netty(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4,
                "198.51.100.4", "192.0.2.1", 1234, 443, List.of(ssl))));
        assertThat(front.seen.addresses.tls()).isTrue();
        assertThat(front.seen.addresses.source()).isEqualTo(new InetSocketAddress("198.51.100.4", 1234));
    }

    @Test
    void aLocalHeaderKeepsTheSocketsAddresses() {
        // A v2 LOCAL header is what a balancer's own health check sends: no client behind it.
        send(netty(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN,
                null, null, 0, 0)));
        assertThat(front.initialized).isEqualTo(1);
        assertThat(front.seen.addresses).isEqualTo(ClientAddresses.ofSocket(channel));
        send("PROXY UNKNOWN\r\n");
        assertThat(front.seen.bytes).as("one header per connection; the rest is the protocol's").hasToString("PROXY UNKNOWN\r\n");
    }

    @Test
    void aV1UnknownHeaderKeepsTheSocketsAddresses() {
        send("PROXY UNKNOWN\r\nhello");
        assertThat(front.seen.addresses).isEqualTo(ClientAddresses.ofSocket(channel));
        assertThat(front.seen.bytes).hasToString("hello");
    }

    @Test
    void anHttpRequestWithoutAHeaderIsRefused() {
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRefused("invalid");
        assertThat(errors("timeout")).isZero();
    }

    @Test
    void aMalformedV1HeaderIsRefused() {
        send("PROXY TCP4 203.0.113.999 192.0.2.1 51234 443\r\n");
        assertRefused("invalid");
    }

    @Test
    void aV1LineWithoutEndIsRefusedAtTheSpecificationsLimit() {
        send("PROXY TCP4 " + "1".repeat(120));
        assertRefused("invalid");
    }

    @Test
    void aV2HeaderWithTooManyTlvBytesIsRefused() {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        int length = 12 + ProxyProtocolReader.MAX_TLV_BYTES + 1 + 216;
        b.writeByte(0x21).writeByte(0x11).writeShort(length);
        b.writeZero(length);
        send(b);
        assertRefused("invalid");
    }

    @Test
    void noHeaderInTimeIsRefused() {
        send("PROXY TCP4 203.0.113.7 ");
        ticker.advance(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();
        ticker.advance(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertRefused("timeout");
        assertThat(errors("invalid")).isZero();
    }

    @Test
    void aPeerThatLeavesWithoutAWordIsNoError() {
        channel.close();
        channel.runPendingTasks();
        ticker.advance(1, TimeUnit.HOURS);
        channel.runScheduledPendingTasks();
        assertThat(errors("invalid")).isZero();
        assertThat(errors("timeout")).isZero();
        assertThat(front.initialized).isZero();
    }

    @Test
    void anEntrypointRemovedWhileTheHeaderWasOnItsWayClosesTheConnection() {
        table.set(table("entrypoints: [{name: other, address: '127.0.0.1:0'}]\n"));
        send("PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n");
        assertThat(channel.isActive()).isFalse();
        assertThat(front.initialized).isZero();
    }

    @Test
    void shutdownClosesAConnectionStillWaitingForItsHeader() {
        channel.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        channel.runPendingTasks();
        assertThat(channel.isActive()).isFalse();
        assertThat(errors("timeout")).isZero();
    }
}
