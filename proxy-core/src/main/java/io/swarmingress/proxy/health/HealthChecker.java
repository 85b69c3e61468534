package io.swarmingress.proxy.health;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.swarmingress.config.HealthCheck;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;

/**
 * Active health checks: every endpoint of a service with a {@code health_check} is probed on its
 * interval, off the data plane's event loops, and its {@link Endpoint#health} follows the
 * results; a pick reads that state and never waits for a check.
 *
 * <p>Each new routing table is compared with the checks running: checks start for endpoints that
 * appeared (which stay {@link Endpoint#NOT_YET_HEALTHY}, so without traffic, until their first
 * pass) and stop for those that left or whose service dropped its checks. Everything runs on one
 * loop of its own, so the map of probes needs no lock.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Class<? extends Channel> channelType;
    /** Owned by {@link #loop}. */
    private final Map<Key, Probe> probes = new HashMap<>();

    /** What a probe checks: an endpoint object (shared across tables) with the check it runs. */
    private record Key(Endpoint endpoint, HealthCheck check) {
    }

    /** @param group its own group (one thread is plenty), shut down by {@link #close} */
    public HealthChecker(EventLoopGroup group, Class<? extends Channel> channelType) {
        this.group = group;
        this.loop = group.next();
        this.channelType = channelType;
    }

    /** A new table went live: start and stop probes to match it. Called from any thread. */
    public void tablePublished(RoutingTable table) {
        Map<Key, String> wanted = new HashMap<>();
        for (Service s : table.services().values()) {
            HealthCheck check = s.config().healthCheck();
            if (check != null) {
                for (Endpoint e : s.endpoints()) {
                    wanted.put(new Key(e, check), s.name());
                }
            }
        }
        loop.execute(() -> apply(wanted));
    }

    private void apply(Map<Key, String> wanted) {
        for (Iterator<Map.Entry<Key, Probe>> it = probes.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Probe> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stop();
                it.remove();
            }
        }
        for (Map.Entry<Key, String> w : wanted.entrySet()) {
            Key key = w.getKey();
            if (!probes.containsKey(key)) {
                Probe p = new Probe(key.endpoint(), key.check(), w.getValue(), loop, channelType);
                probes.put(key, p);
                p.start();
                log.debug("health checks of {} in service {} started", key.endpoint(), w.getValue());
            }
        }
    }

    /** Probes running now, for tests and /routes. */
    int probes() {
        return probes.size();
    }

    @Override
    public void close() {
        loop.execute(() -> {
            probes.values().forEach(Probe::stop);
            probes.clear();
        });
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
