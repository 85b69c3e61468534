package io.swarmingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class CidrTest {

    private static byte[] ip(String literal) throws Exception {
        return InetAddress.getByName(literal).getAddress();
    }

    @Test
    void ipv4BlocksMatchTheirAddressesOnly() throws Exception {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertThat(c.contains(ip("10.0.0.0"))).isTrue();
        assertThat(c.contains(ip("10.255.255.255"))).isTrue();
        assertThat(c.contains(ip("11.0.0.0"))).isFalse();
        assertThat(c.contains(ip("9.255.255.255"))).isFalse();
        Cidr odd = Cidr.parse("192.168.128.0/17");
        assertThat(odd.contains(ip("192.168.200.1"))).isTrue();
        assertThat(odd.contains(ip("192.168.127.255"))).isFalse();
        assertThat(Cidr.parse("172.16.0.0/12").contains(ip("172.31.250.1"))).isTrue();
        assertThat(Cidr.parse("172.16.0.0/12").contains(ip("172.32.0.1"))).isFalse();
    }

    @Test
    void aSingleAddressIsItsOwnBlock() throws Exception {
        Cidr c = Cidr.parse("203.0.113.7");
        assertThat(c.prefix()).isEqualTo(32);
        assertThat(c.contains(ip("203.0.113.7"))).isTrue();
        assertThat(c.contains(ip("203.0.113.8"))).isFalse();
        Cidr loopback6 = Cidr.parse("::1");
        assertThat(loopback6.prefix()).isEqualTo(128);
        assertThat(loopback6.contains(ip("::1"))).isTrue();
        assertThat(loopback6.contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void zeroPrefixTrustsEveryAddressOfItsFamily() throws Exception {
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("198.51.100.1"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("2001:db8::1"))).isFalse();
        assertThat(Cidr.parse("::/0").contains(ip("2001:db8::1"))).isTrue();
    }

    @Test
    void ipv6BlocksMatchTheirAddressesOnly() throws Exception {
        Cidr c = Cidr.parse("2001:db8::/32");
        assertThat(c.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(c.contains(ip("2001:db9::1"))).isFalse();
        assertThat(c.contains(ip("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("fd00::/8").contains(ip("fdff::1"))).isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(ip("fe00::1"))).isFalse();
    }

    @Test
    void ipv4MappedAddressesAndBlocksAreIpv4() throws Exception {
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the block must not care.
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        assertThat(Cidr.parse("10.0.0.0/8").contains(mapped)).isTrue();
        assertThat(Cidr.parse("11.0.0.0/8").contains(mapped)).isFalse();
        Cidr mappedBlock = Cidr.parse("::ffff:10.0.0.0/104");
        assertThat(mappedBlock).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(mappedBlock.contains(ip("10.9.9.9"))).isTrue();
    }

    @Test
    void printsInCanonicalForm() {
        assertThat(Cidr.parse("10.0.0.0/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("2001:DB8:0:0::/64")).hasToString("2001:db8::/64");
        assertThat(Cidr.parse("::1")).hasToString("::1/128");
        assertThat(Cidr.parse("1:0:0:2:0:0:0:3")).hasToString("1:0:0:2::3/128");
    }

    @Test
    void hostBitsPastThePrefixAreAnError() {
        // 10.1.0.0/8 is most likely a mistyped /16: trusting all of 10/8 silently would be worse.
        assertThatThrownBy(() -> Cidr.parse("10.1.0.0/8")).hasMessage("'10.1.0.0/8' has bits set past the /8 prefix (expected: 10.0.0.0/8)");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/32")).hasMessageContaining("(expected: 2001:db8::/32)");
    }

    @Test
    void onlyLiteralsAreAccepted() {
        for (String bad : new String[] {"", "proxy.example.com", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1/", "10.0.0.1/33",
                "::1/129", "[::1]", "fe80::1%eth0", "10.0.0.0/-1", "1.2.3.4/8x", "::g"}) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
