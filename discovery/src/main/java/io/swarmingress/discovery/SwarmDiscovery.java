package io.swarmingress.discovery;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Ticker;

import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmSource;

/**
 * Swarm discovery: keeps a {@link DiscoverySnapshot} of the running tasks of the services the
 * config file names and of those labelled for routing, and hands each changed snapshot to a
 * {@link DiscoveryListener}.
 *
 * <p>This class is the lifecycle and the wiring; each job has its own room (the package Javadoc
 * draws them): {@link EventStream} follows Docker events, {@link EventTriage} decides which
 * services they concern, {@link ReadScheduler} decides when to read what (debounce, resync, the
 * short re-reads of converging services), {@link SwarmReader} reads through {@link DockerApi},
 * {@link CatalogueSync} applies what was read to the {@link ServiceCatalogue} (what was last read
 * successfully), and {@link SnapshotPublisher} publishes a snapshot when it changed.
 *
 * <p>Threads: reads run on two reader threads, never on the caller's; everything else happens on
 * one discovery thread (the {@link DiscoveryLoop}), in order, so no room needs a lock.
 */
public final class SwarmDiscovery implements Discovery {
    private static final Logger log = LoggerFactory.getLogger(SwarmDiscovery.class);

    private final SwarmProviderConfig provider;
    private final DiscoveryObserver observer;
    private final ScheduledThreadPoolExecutor discoveryThread;
    private final DiscoveryLoop loop;
    private final ExecutorService readers;
    private final DockerApi api;
    private final ServiceCatalogue catalogue = new ServiceCatalogue();
    private final SnapshotPublisher publisher;
    private final SyncStatus status;
    private final ReadScheduler scheduler;
    private final EventTriage triage;
    private final EventStream events;
    private final TaskPoll taskPoll;
    private volatile boolean closed;
    private boolean started;

    /**
     * Discovery for a {@code swarm:} section and the file's services alone (no check of label
     * routes against the file's routes and entrypoints; {@link #forConfig} does that).
     *
     * @param fileServices the services of the config file; those with a {@code swarm:} reference
     *                     get endpoints, the names of all of them take precedence over labels
     * @param listener told about every changed snapshot, on the discovery thread
     * @param observer told about syncs, events and manager failovers
     */
    public SwarmDiscovery(SwarmProviderConfig provider, List<ServiceConfig> fileServices, DiscoveryListener listener,
                          DiscoveryObserver observer) {
        this(new SnapshotBuilder(provider, List.copyOf(fileServices)), provider, listener, observer, SystemTime.TICKER,
                SystemTime.CLOCK);
    }

    public SwarmDiscovery(SwarmProviderConfig provider, List<ServiceConfig> fileServices, DiscoveryListener listener) {
        this(provider, fileServices, listener, DiscoveryObserver.NOOP);
    }

    /**
     * @param ticker monotonic time of every delay and age (the short re-reads' give-up, a
     *               manager's cool-down)
     * @param clock wall time of {@link #lastSuccess()}
     */
    private SwarmDiscovery(SnapshotBuilder builder, SwarmProviderConfig provider, DiscoveryListener listener,
                           DiscoveryObserver observer, Ticker ticker, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.observer = observer == null ? DiscoveryObserver.NOOP : observer;
        this.publisher = new SnapshotPublisher(builder, listener,
                provider.relay().listen() != null ? provider.labelPrefix() : null);
        this.discoveryThread = new ScheduledThreadPoolExecutor(1, daemon("swarm-discovery"));
        discoveryThread.setRemoveOnCancelPolicy(true);
        this.loop = DiscoveryLoop.on(discoveryThread);
        this.readers = Executors.newFixedThreadPool(2, daemon("swarm-discovery-read"));
        this.api = new DockerApi(provider, Objects.requireNonNull(ticker, "ticker"), this::failedOver);
        SwarmReader reader = new SwarmReader(api, publisher::routed);
        this.status = new SyncStatus(Objects.requireNonNull(clock, "clock"), this.observer, api::preferredEndpoint);
        CatalogueSync sync = new CatalogueSync(reader, readers, loop, catalogue, publisher, status, () -> closed);
        this.scheduler = new ReadScheduler(loop, ticker, provider.debounce(), provider.resyncInterval(), sync);
        this.triage = new EventTriage(this.observer, catalogue::get, publisher::routed, scheduler);
        this.taskPoll = new TaskPoll(loop, ticker, provider.taskPollInterval(), reader::readMeantToRun, readers,
                () -> catalogue.complete() ? catalogue.matching(publisher::routed) : List.of(), scheduler::requestTasksNow);
        this.events = new EventStream(api, loop, new EventStream.Handler() {
            @Override
            public void onConnected(String endpoint) {
                loop.execute(guarded(scheduler::requestFull));
            }

            @Override
            public void onEvent(JsonNode event) {
                loop.execute(guarded(() -> triage.onEvent(event)));
            }
        });
    }

    /**
     * Discovery for a whole config: its {@code swarm:} section and its services. Label routes are
     * also checked against the config's http entrypoints and routes (a clash with a file route is
     * a warning and the file wins), so that the label routes and services of every snapshot can be
     * added to this config without making it invalid.
     */
    public static SwarmDiscovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer) {
        return forConfig(config, listener, observer, SystemTime.TICKER, SystemTime.CLOCK);
    }

    /** As {@link #forConfig(IngressConfig, DiscoveryListener, DiscoveryObserver)}, with the clocks given. */
    public static SwarmDiscovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer,
                                           Ticker ticker, Clock clock) {
        return new SwarmDiscovery(SnapshotBuilder.forConfig(config), config.swarm(), listener, observer, ticker, clock);
    }

    /** Starts the first full read, the event stream and the periodic resync; returns at once. */
    @Override
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        loop.execute(guarded(scheduler::start));
        loop.execute(guarded(taskPoll::start));
        events.start();
        log.info("Swarm discovery: managers {}, labels {} (prefix {}), resync every {} ms, task poll every {} ms",
                provider.endpoints(), provider.labels() ? "on" : "off", provider.labelPrefix(),
                provider.resyncInterval().toMillis(), provider.taskPollInterval().toMillis());
    }

    /**
     * Hands discovery a new config file whose {@code swarm:} section has the same settings: the
     * snapshot is built again from the services already read, with the new file's services,
     * routes and entrypoints, and published if that changes it; discovery keeps running, and no
     * label route goes missing in between. Services the new file names that no route used before
     * are read at once (until then their endpoints are empty).
     *
     * @return completes with the snapshot in force once the new file is taken into account
     * @throws IllegalArgumentException when the {@code swarm:} section differs: that needs a new
     *                                  discovery (another manager, other labels, other timings)
     */
    @Override
    public CompletableFuture<DiscoverySnapshot> applyFileConfig(IngressConfig config) {
        if (!provider.sameSettings(config.swarm())) {
            throw new IllegalArgumentException("the swarm: section changed; start a new discovery for it");
        }
        SnapshotBuilder next = SnapshotBuilder.forConfig(config);
        CompletableFuture<DiscoverySnapshot> applied = new CompletableFuture<>();
        loop.execute(guarded(() -> {
            try {
                for (String id : publisher.reconfigure(next, catalogue, status.lastSuccess())) {
                    scheduler.requestService(id);
                }
            } finally {
                applied.complete(publisher.current());
            }
        }));
        return applied;
    }

    /** Completes with the first published snapshot, i.e. after the first successful full read. */
    @Override
    public CompletableFuture<DiscoverySnapshot> firstSync() {
        return publisher.firstSync().copy();
    }

    /** The latest snapshot; {@link DiscoverySnapshot#EMPTY} before the first successful read. */
    @Override
    public DiscoverySnapshot current() {
        return publisher.current();
    }

    /** When Swarm state was last read successfully (null before); the age of what is served. */
    @Override
    public Instant lastSuccess() {
        return status.lastSuccess();
    }

    /** The manager endpoint asked first, the one that answered last. */
    @Override
    public String activeEndpoint() {
        return api.preferredEndpoint();
    }

    @Override
    public SwarmSource source() {
        return SwarmSource.DOCKER;
    }

    /** The routed services and tasks the current snapshot was built from, when {@code relay.listen} is set. */
    @Override
    public SwarmState relayState() {
        return publisher.relayed();
    }

    @Override
    public String eventStream() {
        return events.following();
    }

    /** Asks for a full re-read soon (after the debounce), e.g. from an admin endpoint. */
    public void resync() {
        loop.execute(guarded(scheduler::requestFull));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.close();
        taskPoll.close();
        events.close();
        discoveryThread.shutdownNow();
        readers.shutdownNow();
        api.close();
    }

    private void failedOver(String from, String to) {
        observer.onFailover(from, to);
        EventStream e = events;
        if (e != null) {
            e.reconnect(); // follow events from the manager that answers
        }
    }

    /** Logs instead of losing an unexpected exception (a bug) on the discovery thread. */
    private Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (!closed) {
                    log.error("Swarm discovery: unexpected failure; discovery goes on", e);
                }
            }
        };
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }
}
