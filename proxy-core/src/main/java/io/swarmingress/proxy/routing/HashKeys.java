package io.swarmingress.proxy.routing;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * 64-bit hashes of what {@code lb: hash} balances on and of endpoint names, the same in every
 * proxy process (no per-process seed), so that proxies side by side send a key to the same
 * endpoint. FNV-1a over the characters, then a strong finalizer (MurmurHash3's fmix64): FNV alone
 * leaves similar keys (user-1, user-2) close together, and the table lookup takes the hash modulo
 * a prime, which needs every bit mixed. Nothing here allocates.
 */
public final class HashKeys {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private HashKeys() {
    }

    /** The hash of a whole string. */
    public static long of(CharSequence s) {
        return s == null ? 0 : of(s, 0, s.length());
    }

    /** The hash of {@code s[from, to)}. */
    public static long of(CharSequence s, int from, int to) {
        long h = FNV_OFFSET;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            if (c > 0xff) {
                h = (h ^ (c >>> 8)) * FNV_PRIME;
            }
        }
        return mix(h);
    }

    /** The hash of a client's IP address (its port is left out: a client reconnects from another). 0 for none. */
    public static long of(InetSocketAddress client) {
        if (client == null || client.getAddress() == null) {
            return 0;
        }
        InetAddress address = client.getAddress();
        long h = FNV_OFFSET;
        for (byte b : address.getAddress()) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
