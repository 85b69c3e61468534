package io.swarmingress.proxy.forward;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.NetUtil;
import io.swarmingress.config.ProxyProtocolVersion;

/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 and v2) an upstream connection
 * starts with when its service has {@code send_proxy_protocol}: the client's address and port, and
 * the address and port the client connected to. Written here rather than through Netty's encoder
 * so that it is one buffer written ahead of the request, with no handler on the upstream pipeline.
 *
 * <p>When the two addresses are of different families, both go as IPv6 (the IPv4 one mapped), as
 * HAProxy does. Without addresses (a connection that is not a socket) the header says so: UNKNOWN
 * in v1, LOCAL in v2, after which the receiver uses the connection's own addresses.
 */
public final class ProxyProtocolHeader {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** Version 2 with the PROXY command; with LOCAL. */
    private static final int V2_PROXY = 0x21;
    private static final int V2_LOCAL = 0x20;
    /** Address family and transport: TCP over IPv4, over IPv6; unspecified. */
    private static final int TCP4 = 0x11;
    private static final int TCP6 = 0x21;
    private static final int UNSPEC = 0x00;

    private ProxyProtocolHeader() {
    }

    /**
     * @param source the client's address, or null when it has none
     * @param destination the address the client connected to, or null
     */
    public static ByteBuf encode(ByteBufAllocator alloc, ProxyProtocolVersion version, InetSocketAddress source,
                                 InetSocketAddress destination) {
        boolean known = source != null && destination != null && !source.isUnresolved() && !destination.isUnresolved();
        byte[] src = known ? source.getAddress().getAddress() : null;
        byte[] dst = known ? destination.getAddress().getAddress() : null;
        if (known && src.length != dst.length) {
            src = ipv6(src);
            dst = ipv6(dst);
        }
        return version == ProxyProtocolVersion.V1
                ? v1(alloc, src, dst, known ? source.getPort() : 0, known ? destination.getPort() : 0)
                : v2(alloc, src, dst, known ? source.getPort() : 0, known ? destination.getPort() : 0);
    }

    private static ByteBuf v1(ByteBufAllocator alloc, byte[] src, byte[] dst, int srcPort, int dstPort) {
        String line;
        if (src == null) {
            line = "PROXY UNKNOWN\r\n";
        } else {
            line = "PROXY " + (src.length == 4 ? "TCP4 " : "TCP6 ") + text(src) + ' ' + text(dst) + ' ' + srcPort + ' ' + dstPort
                    + "\r\n";
        }
        ByteBuf out = alloc.buffer(line.length());
        out.writeCharSequence(line, StandardCharsets.US_ASCII);
        return out;
    }

    private static ByteBuf v2(ByteBufAllocator alloc, byte[] src, byte[] dst, int srcPort, int dstPort) {
        int addressBytes = src == null ? 0 : 2 * src.length + 4;
        ByteBuf out = alloc.buffer(16 + addressBytes);
        out.writeBytes(V2_SIGNATURE);
        if (src == null) {
            out.writeByte(V2_LOCAL).writeByte(UNSPEC).writeShort(0);
            return out;
        }
        out.writeByte(V2_PROXY).writeByte(src.length == 4 ? TCP4 : TCP6).writeShort(addressBytes);
        out.writeBytes(src).writeBytes(dst).writeShort(srcPort).writeShort(dstPort);
        return out;
    }

    /** An IPv4 address as IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}); an IPv6 one as it is. */
    private static byte[] ipv6(byte[] address) {
        if (address.length == 16) {
            return address;
        }
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(address, 0, b, 12, 4);
        return b;
    }

    private static String text(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        // RFC 5952 form, and mapped addresses stay IPv6 (InetAddress.getByAddress would make them IPv4).
        return NetUtil.bytesToIpAddress(address);
    }
}
