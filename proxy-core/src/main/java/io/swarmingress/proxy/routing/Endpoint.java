package io.swarmingress.proxy.routing;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.swarmingress.config.HostPort;

/**
 * One upstream address of one service, with the live count of requests (HTTP) or connections
 * (TCP) it is serving. The same instance is carried from one routing table to the next while the
 * address stays in its service, so least-connections keeps counting across reloads and
 * discovery updates.
 */
public final class Endpoint {
    private final HostPort address;
    private final InetSocketAddress socketAddress;
    private final AtomicInteger active = new AtomicInteger();

    /** Resolves the address here, off the event loops: a name lookup must never block one. */
    Endpoint(HostPort address) {
        this.address = address;
        InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
        this.socketAddress = resolved.isUnresolved()
                ? InetSocketAddress.createUnresolved(address.host(), address.port()) : resolved;
    }

    public HostPort address() {
        return address;
    }

    /**
     * Unresolved when the name did not resolve when the table was built; connecting then fails at
     * once with 502 (the connect bootstraps have no resolver, so no lookup happens on a loop).
     */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public int active() {
        return active.get();
    }

    public void acquire() {
        active.incrementAndGet();
    }

    public void release() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
