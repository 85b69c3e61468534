package io.swarmingress.config;

import java.net.InetAddress;
import java.util.List;

/**
 * The peers of an http entrypoint whose X-Forwarded-* fields are believed: load balancers and
 * proxies in front of this one. A request from any other peer has its claims about the client
 * replaced by what the proxy saw itself. Decided once per connection (its peer does not change),
 * never per request.
 *
 * @param blocks the trusted addresses and blocks; none by default
 */
public record TrustedProxies(List<Cidr> blocks) {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    public TrustedProxies {
        blocks = blocks == null ? List.of() : List.copyOf(blocks);
    }

    /** Whether the peer at {@code address} is trusted; false for null (not an IP peer). */
    public boolean trusts(InetAddress address) {
        if (address == null || blocks.isEmpty()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (Cidr block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }
}
