package io.swarmingress.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A block of IPv4 or IPv6 addresses in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}),
 * or one address ({@code 192.0.2.7}, {@code ::1}). Only literals are accepted: a name would need a
 * lookup, and a trust rule that changes with DNS is no rule. Bits past the prefix must be zero, so
 * that {@code 10.1.0.0/8} (meant as /16?) is an error rather than a silent grant to all of 10/8.
 * IPv4-mapped IPv6 blocks ({@code ::ffff:10.0.0.0/104}) are kept as the IPv4 block they mean,
 * and an IPv4-mapped peer address is matched as IPv4, so a dual-stack socket changes nothing.
 */
public final class Cidr {
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Cidr parse(String text) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' (expected: an IPv4 or IPv6 address or CIDR block, "
                    + "e.g. 10.0.0.0/8 or fd00::/8)");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' has no prefix length after '/'");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix /" + prefix + " (expected: 0-" + bits + ")");
            }
        }
        if (bytes.length == 16 && prefix >= 96 && startsWith(bytes, MAPPED_PREFIX)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
            prefix -= 96;
        }
        Cidr cidr = new Cidr(bytes, prefix);
        byte[] masked = bytes.clone();
        for (int i = 0; i < bytes.length; i++) {
            masked[i] = (byte) (bytes[i] & cidr.mask(i));
        }
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException("'" + text + "' has bits set past the /" + prefix + " prefix (expected: "
                    + new Cidr(masked, prefix) + ")");
        }
        return cidr;
    }

    /** Whether the address (4 or 16 bytes, as {@link InetAddress#getAddress()} gives) lies in this block. */
    public boolean contains(byte[] address) {
        byte[] a = address;
        if (a.length == 16 && network.length == 4) {
            if (!startsWith(a, MAPPED_PREFIX)) {
                return false;
            }
            // Compared from byte 12 on, below; no copy.
            for (int i = 0; i < 4; i++) {
                if ((a[12 + i] & mask(i)) != (network[i] & 0xff)) {
                    return false;
                }
            }
            return true;
        }
        if (a.length != network.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if ((a[i] & mask(i)) != (network[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    public int prefix() {
        return prefix;
    }

    /** The mask of byte i, as an int for the comparisons above. */
    private int mask(int i) {
        int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
        return (0xff00 >> bitsHere) & 0xff;
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (a[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of an IPv4 (dotted quad, no leading zeros) or IPv6 literal; null when it is neither. */
    private static byte[] literal(String s) {
        if (s.indexOf(':') < 0) {
            return ipv4(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                // Brackets, a zone (%eth0) or anything else: not a plain literal.
                return null;
            }
        }
        try {
            // With a colon and only these characters, this is a literal: InetAddress never asks DNS.
            InetAddress a = InetAddress.getByName(s);
            byte[] b = a.getAddress();
            return a instanceof Inet6Address ? b : mapped(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Java turns {@code ::ffff:a.b.c.d} into an IPv4 address; as written it was an IPv6 block. */
    private static byte[] mapped(byte[] ipv4) {
        byte[] b = Arrays.copyOf(MAPPED_PREFIX, 16);
        System.arraycopy(ipv4, 0, b, 12, 4);
        return b;
    }

    private static byte[] ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')
                    || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefix == prefix && Arrays.equals(((Cidr) o).network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (network.length == 4) {
            for (int i = 0; i < 4; i++) {
                sb.append(i == 0 ? "" : ".").append(network[i] & 0xff);
            }
        } else {
            appendIpv6(sb, network);
        }
        return sb.append('/').append(prefix).toString();
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
    private static void appendIpv6(StringBuilder sb, byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
    }
}
