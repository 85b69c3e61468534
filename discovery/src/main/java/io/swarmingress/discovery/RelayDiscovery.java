package io.swarmingress.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmSource;

/**
 * Discovery for a proxy that cannot read the Swarm API (on a worker, with no Docker socket): it
 * follows the {@link SwarmState} a proxy on a manager serves ({@link RelayStream}), puts it into
 * its own {@link ServiceCatalogue} and publishes snapshots through the same
 * {@link SnapshotPublisher} and {@link SnapshotBuilder} as {@link SwarmDiscovery}, with its own
 * config file. So it routes as the managers' proxies do, and a reload of its file is applied the
 * same way, without asking anyone.
 *
 * <p>When no relay answers, the last state keeps serving ({@link #lastSuccess()} then tells its
 * age, as the relay reported it). A state read before the one already applied (from a relay whose
 * reads lag behind, after a failover) is held back until that relay's heartbeat says its reads
 * caught up, so a failover never moves the table back in time.
 *
 * <p>Threads: {@code swarm-relay} reads the stream and parses; everything else runs on the
 * {@code swarm-discovery} loop, one task at a time, like {@link SwarmDiscovery}.
 */
public final class RelayDiscovery implements Discovery {
    private static final Logger log = LoggerFactory.getLogger(RelayDiscovery.class);

    private final SwarmProviderConfig provider;
    private final DiscoveryObserver observer;
    private final ScheduledThreadPoolExecutor discoveryThread;
    private final DiscoveryLoop loop;
    private final ServiceCatalogue catalogue = new ServiceCatalogue();
    private final SnapshotPublisher publisher;
    private final RelayStream stream;
    private volatile Instant lastSuccess;
    private volatile String activeRelay;
    private volatile boolean closed;
    private boolean started;
    /** Loop only: a state older than the one applied, from the relay followed now. */
    private SwarmState held;
    /** Loop only: whether the last attempt failed (the log says so once, and once when it works again). */
    private boolean failing;

    private RelayDiscovery(SnapshotBuilder builder, SwarmProviderConfig provider, DiscoveryListener listener,
                           DiscoveryObserver observer, Ticker ticker, RelayStream.Resolver resolver) {
        this.provider = Objects.requireNonNull(provider, "provider");
        if (provider.relay().from().isEmpty()) {
            throw new IllegalArgumentException("swarm.relay.from is empty");
        }
        this.observer = observer == null ? DiscoveryObserver.NOOP : observer;
        this.publisher = new SnapshotPublisher(builder, listener);
        this.discoveryThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "swarm-discovery");
            t.setDaemon(true);
            return t;
        });
        discoveryThread.setRemoveOnCancelPolicy(true);
        this.loop = DiscoveryLoop.on(discoveryThread);
        this.stream = new RelayStream(provider.relay().from(), RelayToken.read(provider.relay()), provider.apiTimeout(),
                loop, ticker, resolver, new Handler());
    }

    /** Follows the relays of the config's {@code swarm.relay.from}. */
    public static RelayDiscovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer) {
        return forConfig(config, listener, observer, SystemTime.TICKER, InetAddress::getAllByName);
    }

    static RelayDiscovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer,
                                    Ticker ticker, RelayStream.Resolver resolver) {
        return new RelayDiscovery(SnapshotBuilder.forConfig(config), config.swarm(), listener, observer, ticker, resolver);
    }

    @Override
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        stream.start();
        log.info("Swarm discovery: following the relays {} (no Docker API), deadline {} ms", provider.relay().from(),
                provider.apiTimeout().toMillis());
    }

    private final class Handler implements RelayStream.Handler {
        @Override
        public void onConnected(String relay) {
            String before = activeRelay;
            activeRelay = relay;
            loop.execute(() -> {
                held = null;
                if (failing || before == null) {
                    log.info("Swarm discovery: following the relay {}", relay);
                }
                failing = false;
                if (before != null && !before.equals(relay)) {
                    observer.onFailover(before, relay);
                }
            });
        }

        @Override
        public void onState(byte[] json) throws IOException {
            SwarmState state = SwarmState.parse(json, catalogue.nextReadSeq());
            loop.execute(() -> offer(state));
        }

        @Override
        public void onAlive(Instant readAt) {
            if (readAt != null) {
                loop.execute(() -> alive(readAt));
            }
        }

        @Override
        public void onLost(String relay, String why) {
            loop.execute(() -> {
                observer.onSync(false);
                Instant last = lastSuccess;
                if (!failing) {
                    failing = true;
                    log.warn("Swarm discovery: relay {}: {}; keeping the last endpoints ({}), trying the others", relay,
                            why, last == null ? "none yet" : "read " + last);
                } else {
                    log.debug("Swarm discovery: relay {}: {}", relay, why);
                }
            });
        }
    }

    /** Applies a state, unless it was read before the one applied. Loop only. */
    private void offer(SwarmState state) {
        if (closed) {
            return;
        }
        Instant applied = lastSuccess;
        if (applied != null && state.readAt().isBefore(applied)) {
            held = state;
            log.debug("Swarm discovery: the relay's state was read at {}, before the one applied ({}): held back",
                    state.readAt(), applied);
            return;
        }
        apply(state, state.readAt());
    }

    /** The relay read Swarm at {@code readAt}: what it serves is current as of then. Loop only. */
    private void alive(Instant readAt) {
        if (closed) {
            return;
        }
        Instant applied = lastSuccess;
        if (applied != null && readAt.isBefore(applied)) {
            return; // its reads lag behind what is applied: the age keeps growing
        }
        if (held != null) {
            SwarmState s = held;
            held = null;
            apply(s, readAt);
        } else if (applied != null) {
            lastSuccess = readAt;
        }
    }

    private void apply(SwarmState state, Instant current) {
        long seq = state.services().isEmpty() ? catalogue.nextReadSeq() : state.services().get(0).readSeq();
        catalogue.applyAll(state.services(), seq);
        lastSuccess = current;
        observer.onSync(true);
        publisher.publish(catalogue, current);
    }

    @Override
    public CompletableFuture<DiscoverySnapshot> applyFileConfig(IngressConfig config) {
        if (!provider.sameSettings(config.swarm())) {
            throw new IllegalArgumentException("the swarm: section changed; start a new discovery for it");
        }
        SnapshotBuilder next = SnapshotBuilder.forConfig(config);
        CompletableFuture<DiscoverySnapshot> applied = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                // Services the new file names that the relay does not carry cannot be read from here:
                // the managers' proxies route what their (same) file names.
                publisher.reconfigure(next, catalogue, lastSuccess);
            } finally {
                applied.complete(publisher.current());
            }
        });
        return applied;
    }

    @Override
    public CompletableFuture<DiscoverySnapshot> firstSync() {
        return publisher.firstSync().copy();
    }

    @Override
    public DiscoverySnapshot current() {
        return publisher.current();
    }

    @Override
    public Instant lastSuccess() {
        return lastSuccess;
    }

    @Override
    public String activeEndpoint() {
        String r = activeRelay;
        return r == null ? String.valueOf(provider.relay().from()) : "relay " + r;
    }

    /** The relay connected to last (its stream pushes every change); the age of {@link #lastSuccess} tells whether it still does. */
    @Override
    public String eventStream() {
        String r = activeRelay;
        return r == null ? null : "relay " + r;
    }

    @Override
    public SwarmSource source() {
        return SwarmSource.RELAY;
    }

    /** Always null: a follower never serves a relay (chains would only serve older data). */
    @Override
    public SwarmState relayState() {
        return null;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stream.close();
        discoveryThread.shutdownNow();
    }
}
