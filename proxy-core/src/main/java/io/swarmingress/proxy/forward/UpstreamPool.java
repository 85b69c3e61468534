package io.swarmingress.proxy.forward;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.FastThreadLocal;
import io.swarmingress.config.HostPort;

/**
 * Idle keep-alive connections to endpoints, one pool per event loop. An upstream connection is
 * only ever used by client connections of its own loop, so the pool needs no lock and a proxied
 * request never crosses threads. Most recently used first, which keeps the set of warm
 * connections small and lets the others time out at the backend.
 *
 * <p>A {@link #privateScope private pool} belongs to one client connection instead (its
 * {@link Forwarder}): for services whose upstream connections must never serve another client
 * (they start with a PROXY header, or {@code upstream_reuse: per_client}). It is closed with the
 * client connection, and a connection released into it after that is closed.
 */
final class UpstreamPool {
    /** Idle connections kept per endpoint and loop; more are closed on release. */
    static final int MAX_IDLE_PER_ENDPOINT = 512;

    private static final FastThreadLocal<UpstreamPool> POOLS = new FastThreadLocal<>() {
        @Override
        protected UpstreamPool initialValue() {
            return new UpstreamPool();
        }
    };

    private final Map<HostPort, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
    private boolean closed;

    private UpstreamPool() {
    }

    /** The pool of the calling event loop. */
    static UpstreamPool current() {
        return POOLS.get();
    }

    /** A pool of one client connection's own, used on that connection's loop only. */
    static UpstreamPool privateScope() {
        return new UpstreamPool();
    }

    /**
     * Closes, on each loop of {@code loops}, the idle connections to endpoints that {@code live}
     * no longer names: a new routing table left them out.
     */
    static void retainEverywhere(EventExecutorGroup loops, Predicate<HostPort> live) {
        for (EventExecutor loop : loops) {
            loop.execute(() -> current().retain(live));
        }
    }

    /** @return an open idle connection to the address, or null */
    UpstreamConnection acquire(HostPort address) {
        ArrayDeque<UpstreamConnection> connections = idle.get(address);
        if (connections == null) {
            return null;
        }
        UpstreamConnection c;
        while ((c = connections.pollLast()) != null) {
            if (c.channel.isActive()) {
                return c;
            }
        }
        return null;
    }

    /** Keeps a connection whose last exchange ended cleanly; it leaves the pool by itself when it closes. */
    void release(UpstreamConnection c) {
        if (closed) {
            c.channel.close();
            return;
        }
        ArrayDeque<UpstreamConnection> connections = idle.computeIfAbsent(c.address, a -> new ArrayDeque<>());
        if (!c.channel.isActive() || connections.size() >= MAX_IDLE_PER_ENDPOINT) {
            c.channel.close();
            return;
        }
        connections.addLast(c);
    }

    /** Called as the connection closes, on this loop. */
    void forget(UpstreamConnection c) {
        ArrayDeque<UpstreamConnection> connections = idle.get(c.address);
        if (connections != null) {
            connections.remove(c);
        }
    }

    /** Closes the idle connections to one address: its peer stopped acknowledging on another of them. */
    void closeIdle(HostPort address) {
        ArrayDeque<UpstreamConnection> connections = idle.remove(address);
        if (connections != null) {
            for (UpstreamConnection c : connections.toArray(new UpstreamConnection[0])) {
                c.channel.close();
            }
        }
    }

    /** Closes every idle connection, and each one released from now on: the client connection it belonged to closed. */
    void close() {
        closed = true;
        for (ArrayDeque<UpstreamConnection> connections : idle.values()) {
            for (UpstreamConnection c : connections.toArray(new UpstreamConnection[0])) {
                c.channel.close();
            }
        }
        idle.clear();
    }

    private void retain(Predicate<HostPort> live) {
        for (Iterator<Map.Entry<HostPort, ArrayDeque<UpstreamConnection>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<HostPort, ArrayDeque<UpstreamConnection>> e = it.next();
            if (!live.test(e.getKey())) {
                it.remove();
                for (UpstreamConnection c : e.getValue()) {
                    c.channel.close();
                }
            }
        }
    }
}
