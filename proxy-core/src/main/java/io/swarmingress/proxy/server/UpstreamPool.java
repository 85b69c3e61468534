package io.swarmingress.proxy.server;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import io.swarmingress.config.HostPort;

/**
 * Idle keep-alive connections to endpoints, one pool per event loop. An upstream connection is
 * only ever used by downstream connections of its own loop, so the pool needs no lock and a
 * proxied request never crosses threads. Most recently used first, which keeps the set of warm
 * connections small and lets the others time out at the backend.
 */
public final class UpstreamPool {
    /** Idle connections kept per endpoint and loop; more are closed on release. */
    static final int MAX_IDLE_PER_ENDPOINT = 512;

    private static final FastThreadLocal<UpstreamPool> POOLS = new FastThreadLocal<>() {
        @Override
        protected UpstreamPool initialValue() {
            return new UpstreamPool();
        }
    };

    private final Map<HostPort, ArrayDeque<Channel>> idle = new HashMap<>();

    private UpstreamPool() {
    }

    /** The pool of the calling event loop. */
    public static UpstreamPool current() {
        return POOLS.get();
    }

    /** @return an open idle connection to the address, or null */
    public Channel acquire(HostPort address) {
        ArrayDeque<Channel> channels = idle.get(address);
        if (channels == null) {
            return null;
        }
        Channel ch;
        while ((ch = channels.pollLast()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Keeps a connection whose last exchange ended cleanly; it leaves the pool by itself when it closes. */
    public void release(HostPort address, Channel ch) {
        ArrayDeque<Channel> channels = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
        if (!ch.isActive() || channels.size() >= MAX_IDLE_PER_ENDPOINT) {
            ch.close();
            return;
        }
        channels.addLast(ch);
    }

    /** Called from the channel's close future, on this loop. */
    public void forget(HostPort address, Channel ch) {
        ArrayDeque<Channel> channels = idle.get(address);
        if (channels != null) {
            channels.remove(ch);
        }
    }

    /** Closes the idle connections of endpoints that left every service. */
    public void retain(Predicate<HostPort> live) {
        for (Iterator<Map.Entry<HostPort, ArrayDeque<Channel>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<HostPort, ArrayDeque<Channel>> e = it.next();
            if (!live.test(e.getKey())) {
                it.remove();
                for (Channel ch : e.getValue()) {
                    ch.close();
                }
            }
        }
    }
}
