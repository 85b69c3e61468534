package io.swarmingress.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.swarmingress.config.ProxyProtocolVersion;

/**
 * The PROXY header sent upstream, byte for byte against the specification's layout, and read back
 * by Netty's decoder (a reader the proxy did not write). HAProxy reads it in ClientAddressTest.
 */
class ProxyProtocolHeaderTest {
    private static final InetSocketAddress CLIENT4 = new InetSocketAddress("203.0.113.7", 51234);
    private static final InetSocketAddress PROXY4 = new InetSocketAddress("192.0.2.1", 443);
    private static final InetSocketAddress CLIENT6 = new InetSocketAddress("2001:db8::7", 40000);
    private static final InetSocketAddress PROXY6 = new InetSocketAddress("2001:db8::1", 8080);

    private static ByteBuf encode(ProxyProtocolVersion v, InetSocketAddress source, InetSocketAddress destination) {
        return ProxyProtocolHeader.encode(UnpooledByteBufAllocator.DEFAULT, v, source, destination);
    }

    /** Decodes with Netty's decoder, which must find the header to be the whole buffer. */
    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(header);
        HAProxyMessage m = ch.readInbound();
        assertThat((Object) ch.readInbound()).as("nothing after the header").isNull();
        ch.finishAndReleaseAll();
        return m;
    }

    private static void assertDecodes(ByteBuf header, HAProxyProtocolVersion version, HAProxyProxiedProtocol protocol, String source,
                                      String destination, int sourcePort, int destinationPort) {
        HAProxyMessage m = decode(header);
        try {
            assertThat(m.protocolVersion()).isEqualTo(version);
            assertThat(m.command()).isEqualTo(HAProxyCommand.PROXY);
            assertThat(m.proxiedProtocol()).isEqualTo(protocol);
            assertThat(m.sourceAddress()).isEqualTo(source);
            assertThat(m.destinationAddress()).isEqualTo(destination);
            assertThat(m.sourcePort()).isEqualTo(sourcePort);
            assertThat(m.destinationPort()).isEqualTo(destinationPort);
        } finally {
            m.release();
        }
    }

    @Test
    void v1IsTheSpecificationsLine() {
        ByteBuf b = encode(ProxyProtocolVersion.V1, CLIENT4, PROXY4);
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n");
        assertDecodes(b, HAProxyProtocolVersion.V1, HAProxyProxiedProtocol.TCP4, "203.0.113.7", "192.0.2.1", 51234, 443);
        ByteBuf six = encode(ProxyProtocolVersion.V1, CLIENT6, PROXY6);
        assertThat(six.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP6 2001:db8::7 2001:db8::1 40000 8080\r\n");
        assertDecodes(six, HAProxyProtocolVersion.V1, HAProxyProxiedProtocol.TCP6, "2001:db8::7", "2001:db8::1", 40000, 8080);
    }

    @Test
    void v2IsTheSpecificationsBinaryLayout() {
        ByteBuf b = encode(ProxyProtocolVersion.V2, CLIENT4, PROXY4);
        // signature, 0x21 (v2, PROXY), 0x11 (TCP over IPv4), length 12, src, dst, src port, dst port
        assertThat(ByteBufUtil.hexDump(b)).isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c"
                + "cb007107" + "c0000201" + "c822" + "01bb");
        assertDecodes(b, HAProxyProtocolVersion.V2, HAProxyProxiedProtocol.TCP4, "203.0.113.7", "192.0.2.1", 51234, 443);
        ByteBuf six = encode(ProxyProtocolVersion.V2, CLIENT6, PROXY6);
        assertThat(six.readableBytes()).isEqualTo(16 + 36);
        assertDecodes(six, HAProxyProtocolVersion.V2, HAProxyProxiedProtocol.TCP6, "2001:db8:0:0:0:0:0:7", "2001:db8:0:0:0:0:0:1",
                40000, 8080);
    }

    @Test
    void mixedFamiliesGoAsIpv6WithTheIpv4AddressMapped() {
        // The client came over IPv6 (a PROXY header in front said so), the proxy listens on IPv4.
        assertDecodes(encode(ProxyProtocolVersion.V1, CLIENT6, PROXY4), HAProxyProtocolVersion.V1, HAProxyProxiedProtocol.TCP6,
                "2001:db8::7", "::ffff:c000:201", 40000, 443);
        assertDecodes(encode(ProxyProtocolVersion.V2, CLIENT4, PROXY6), HAProxyProtocolVersion.V2, HAProxyProxiedProtocol.TCP6,
                "0:0:0:0:0:ffff:cb00:7107", "2001:db8:0:0:0:0:0:1", 51234, 8080);
    }

    @Test
    void withoutAddressesTheHeaderSaysSo() {
        ByteBuf v1 = encode(ProxyProtocolVersion.V1, null, null);
        assertThat(v1.toString(StandardCharsets.US_ASCII)).isEqualTo("PROXY UNKNOWN\r\n");
        HAProxyMessage unknown = decode(v1);
        assertThat(unknown.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
        unknown.release();
        HAProxyMessage local = decode(encode(ProxyProtocolVersion.V2, null, PROXY4));
        assertThat(local.command()).isEqualTo(HAProxyCommand.LOCAL);
        assertThat(local.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.UNKNOWN);
        local.release();
    }
}
