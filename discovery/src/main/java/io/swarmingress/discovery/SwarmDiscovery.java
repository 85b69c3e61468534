package io.swarmingress.discovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Swarm discovery: keeps a {@link DiscoverySnapshot} of the running tasks of the services the
 * config file names and of those labelled for routing, and hands each changed snapshot to a
 * {@link DiscoveryListener}.
 *
 * <p>How it stays fresh: Docker events (service, container, node, network) are triggers. A burst
 * is collected for the debounce time, then only the services concerned are re-read (a node or
 * network event re-reads everything). Swarm emits no task events, so a service that is still
 * converging (tasks scheduled but not running, fewer tasks than replicas, an update under way) is
 * re-read every 100 ms until it settles; that is what puts a new task into the snapshot within a
 * fraction of a second of reaching {@code running}. A full resync every {@code resync_interval}
 * is the safety net for anything missed.
 *
 * <p>How it stays cheap and safe: reads run on a small discovery executor, never on the caller's
 * thread; their results are applied on one discovery thread, in order, to a Caffeine cache of
 * services by id; a snapshot is built from the cache and published only when it differs from the
 * last one. A failed read changes nothing (stale-on-error): the last endpoints keep serving, an
 * API outage never empties a service. Every API call has a deadline and moves on to the next
 * manager, so a hanging manager delays discovery by one timeout and stalls nothing.
 */
public final class SwarmDiscovery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwarmDiscovery.class);
    private static final long SETTLE_POLL_MS = 100;
    private static final long SETTLE_GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final String RUNNING_TASKS = "/tasks?filters=" + DockerApi.query("{\"desired-state\":[\"running\"]}");

    private final SwarmProviderConfig provider;
    private final SnapshotBuilder builder;
    private final DiscoveryListener listener;
    private final DiscoveryObserver observer;
    private final DockerApi api;
    private final EventStream events;
    /** Confines every state change below to one thread; also the timer of debounce and resync. */
    private final ScheduledExecutorService discoveryThread;
    /** Runs the blocking API reads. */
    private final ExecutorService readers;
    /** Swarm services by id, as last read successfully. */
    private final Cache<String, SwarmService> services;
    private final AtomicLong readSeq = new AtomicLong();
    private final CompletableFuture<DiscoverySnapshot> firstSync = new CompletableFuture<>();
    private volatile DiscoverySnapshot current = DiscoverySnapshot.EMPTY;
    private volatile Instant lastSuccess;
    private volatile boolean closed;
    private boolean started;

    // Owned by discoveryThread.
    private final Set<String> pendingIds = new HashSet<>();
    private boolean pendingFull;
    private boolean flushScheduled;
    private boolean fullInFlight;
    private boolean fullAgain;
    private boolean fullDone;
    private final Set<String> inFlightIds = new HashSet<>();
    private final Set<String> againIds = new HashSet<>();
    private final Map<String, Long> convergingSince = new HashMap<>();
    private final Set<String> settleIds = new HashSet<>();
    private boolean settleScheduled;
    private boolean failing;

    /**
     * @param fileServices the services of the config file; those with a {@code swarm:} reference
     *                     get endpoints, the names of all of them take precedence over labels
     * @param listener told about every changed snapshot, on the discovery thread
     * @param observer counts syncs, events and failovers for metrics
     */
    public SwarmDiscovery(SwarmProviderConfig provider, List<ServiceConfig> fileServices, DiscoveryListener listener,
                          DiscoveryObserver observer) {
        this(new SnapshotBuilder(provider, List.copyOf(fileServices)), provider, listener, observer);
    }

    private SwarmDiscovery(SnapshotBuilder builder, SwarmProviderConfig provider, DiscoveryListener listener,
                           DiscoveryObserver observer) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.builder = builder;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.observer = observer == null ? DiscoveryObserver.NOOP : observer;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("swarm-discovery"));
        timer.setRemoveOnCancelPolicy(true);
        this.discoveryThread = timer;
        this.readers = Executors.newFixedThreadPool(2, daemon("swarm-discovery-read"));
        this.services = Caffeine.newBuilder().executor(readers).build();
        this.api = new DockerApi(provider, this::failedOver);
        this.events = new EventStream(api, discoveryThread, new EventStream.Handler() {
            @Override
            public void onConnected(String endpoint) {
                requestFull();
            }

            @Override
            public void onEvent(JsonNode event) {
                SwarmDiscovery.this.onEvent(event);
            }
        });
    }

    public SwarmDiscovery(SwarmProviderConfig provider, List<ServiceConfig> fileServices, DiscoveryListener listener) {
        this(provider, fileServices, listener, DiscoveryObserver.NOOP);
    }

    /**
     * Discovery for a whole config: its {@code swarm:} section and its services. Label routes are
     * also checked against the config's http entrypoints and routes (a clash with a file route is
     * a warning and the file wins), so that the label routes and services of every snapshot can be
     * added to this config without making it invalid.
     */
    public static SwarmDiscovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer) {
        if (config.swarm() == null) {
            throw new IllegalArgumentException("the config has no swarm: section");
        }
        Set<String> http = new HashSet<>();
        for (EntrypointConfig e : config.entrypoints()) {
            if (e.protocol() == Protocol.HTTP) {
                http.add(e.name());
            }
        }
        SnapshotBuilder builder = new SnapshotBuilder(config.swarm(), config.services(), config.routes(), http);
        return new SwarmDiscovery(builder, config.swarm(), listener, observer);
    }

    /** Starts the first full read, the event stream and the periodic resync; returns at once. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        long every = provider.resyncInterval().toMillis();
        discoveryThread.execute(guarded(this::startFull));
        // guarded: an exception would silently end a periodic task, and with it every resync
        discoveryThread.scheduleWithFixedDelay(guarded(this::startFull), every, every, TimeUnit.MILLISECONDS);
        events.start();
        log.info("Swarm discovery: managers {}, labels {} (prefix {}), resync every {} ms", provider.endpoints(),
                provider.labels() ? "on" : "off", provider.labelPrefix(), every);
    }

    /** Completes with the first published snapshot, i.e. after the first successful full read. */
    public CompletableFuture<DiscoverySnapshot> firstSync() {
        return firstSync.copy();
    }

    /** The latest snapshot; {@link DiscoverySnapshot#EMPTY} before the first successful read. */
    public DiscoverySnapshot current() {
        return current;
    }

    /** When Swarm state was last read successfully (null before); the age of what is served. */
    public Instant lastSuccess() {
        return lastSuccess;
    }

    /** The manager endpoint asked first, the one that answered last. */
    public String activeEndpoint() {
        return api.preferredEndpoint();
    }

    /** Asks for a full re-read soon (after the debounce), e.g. from an admin endpoint. */
    public void resync() {
        requestFull();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        events.close();
        discoveryThread.shutdownNow();
        readers.shutdownNow();
        api.close();
    }

    // ---- triggers (any thread) ----

    private void onEvent(JsonNode event) {
        String type = event.path("Type").asText("");
        String action = event.path("Action").asText("");
        observer.onEvent(type);
        JsonNode actor = event.path("Actor");
        switch (type) {
            case "service":
                requestService(actor.path("ID").asText(""), false);
                break;
            case "container":
                String serviceId = actor.path("Attributes").path("com.docker.swarm.service.id").asText("");
                if (!serviceId.isEmpty() && movesTasks(action)) {
                    requestService(serviceId, true);
                }
                break;
            case "node":
                requestFull();
                break;
            case "network":
                // connect/disconnect accompany container events; a network appearing or going
                // away can change which address every task is reached on
                if (!action.equals("connect") && !action.equals("disconnect")) {
                    requestFull();
                }
                break;
            default:
                break;
        }
    }

    private static boolean movesTasks(String action) {
        return !(action.startsWith("exec_") || action.equals("attach") || action.equals("resize")
                || action.equals("top") || action.equals("archive-path") || action.equals("extract-to-dir")
                || action.equals("copy") || action.equals("export") || action.equals("commit"));
    }

    private void requestFull() {
        submit(() -> {
            pendingFull = true;
            scheduleFlush();
        });
    }

    private void requestService(String id, boolean onlyIfRouted) {
        if (id.isEmpty()) {
            return;
        }
        submit(() -> {
            SwarmService known = services.getIfPresent(id);
            if (onlyIfRouted && known != null && !builder.relevant(known)) {
                return; // a container of a service nobody routes to
            }
            if (!onlyIfRouted) {
                convergingSince.remove(id); // a service change restarts the short re-reads, even after a give-up
            }
            pendingIds.add(id);
            scheduleFlush();
        });
    }

    private void submit(Runnable r) {
        if (!closed) {
            try {
                discoveryThread.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void failedOver(String from, String to) {
        observer.onFailover(from, to);
        EventStream e = events;
        if (e != null) {
            e.reconnect(); // follow events from the manager that answers
        }
    }

    // ---- on the discovery thread ----

    private void scheduleFlush() {
        if (flushScheduled) {
            return;
        }
        flushScheduled = true;
        discoveryThread.schedule(this::flush, provider.debounce().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void flush() {
        flushScheduled = false;
        if (pendingFull) {
            pendingFull = false;
            pendingIds.clear();
            startFull();
        } else if (!pendingIds.isEmpty()) {
            Set<String> ids = new HashSet<>(pendingIds);
            pendingIds.clear();
            startRefresh(ids);
        }
    }

    private void startFull() {
        if (closed) {
            return;
        }
        if (fullInFlight) {
            fullAgain = true;
            return;
        }
        fullInFlight = true;
        long seq = readSeq.incrementAndGet();
        CompletableFuture.supplyAsync(() -> readAll(seq), readers)
                .whenCompleteAsync((result, error) -> guarded(() -> applyFull(seq, result, error)).run(),
                        discoveryThread);
    }

    /** Two calls whatever the size of the swarm: all services, all tasks meant to run. */
    private List<SwarmService> readAll(long seq) {
        try {
            List<SwarmService> all = api.get("/services", in -> SwarmJson.services(in, seq));
            Map<String, List<SwarmTask>> tasks = api.get(RUNNING_TASKS, SwarmJson::tasksByService);
            List<SwarmService> out = new ArrayList<>(all.size());
            for (SwarmService s : all) {
                out.add(builder.relevant(s) ? s.withTasks(tasks.getOrDefault(s.id(), List.of()), seq) : s);
            }
            return out;
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException e) {
            throw new CompletionException(e);
        }
    }

    private void applyFull(long seq, List<SwarmService> result, Throwable error) {
        fullInFlight = false;
        if (error != null) {
            failed("full resync", error);
        } else {
            Set<String> present = new HashSet<>();
            for (SwarmService s : result) {
                present.add(s.id());
                put(s);
            }
            for (SwarmService old : List.copyOf(services.asMap().values())) {
                if (!present.contains(old.id()) && old.readSeq() < seq) {
                    services.invalidate(old.id());
                }
            }
            fullDone = true;
            succeeded();
            publishIfChanged();
            settle();
        }
        if (fullAgain && !closed) {
            fullAgain = false;
            startFull();
        }
    }

    private void startRefresh(Set<String> ids) {
        if (closed) {
            return;
        }
        Set<String> toRead = new HashSet<>();
        for (String id : ids) {
            if (inFlightIds.contains(id)) {
                againIds.add(id);
            } else {
                toRead.add(id);
            }
        }
        if (toRead.isEmpty()) {
            return;
        }
        inFlightIds.addAll(toRead);
        long seq = readSeq.incrementAndGet();
        CompletableFuture.supplyAsync(() -> readSome(toRead, seq), readers)
                .whenCompleteAsync((result, error) -> guarded(() -> applyRefresh(toRead, seq, result, error)).run(),
                        discoveryThread);
    }

    /** The given services (absent from the answer when they no longer exist) and their tasks. */
    private Map<String, SwarmService> readSome(Set<String> ids, long seq) {
        try {
            Map<String, SwarmService> found = new HashMap<>();
            List<String> routed = new ArrayList<>();
            for (String id : ids) {
                try {
                    SwarmService s = api.get("/services/" + id, in -> SwarmJson.service(in, seq));
                    found.put(id, s);
                    if (builder.relevant(s)) {
                        routed.add(id);
                    }
                } catch (DockerApi.NotFoundException gone) {
                    // removed: absent from the result
                }
            }
            if (!routed.isEmpty()) {
                String filter = "{\"desired-state\":[\"running\"],\"service\":" + SwarmJson.MAPPER.writeValueAsString(routed)
                        + "}";
                Map<String, List<SwarmTask>> tasks = api.get("/tasks?filters=" + DockerApi.query(filter),
                        SwarmJson::tasksByService);
                for (String id : routed) {
                    found.put(id, found.get(id).withTasks(tasks.getOrDefault(id, List.of()), seq));
                }
            }
            return found;
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException
                 | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CompletionException(e);
        }
    }

    private void applyRefresh(Set<String> ids, long seq, Map<String, SwarmService> result, Throwable error) {
        inFlightIds.removeAll(ids);
        if (error != null) {
            failed("refresh of " + ids.size() + " service(s)", error);
        } else {
            for (String id : ids) {
                SwarmService s = result.get(id);
                if (s != null) {
                    put(s);
                } else {
                    SwarmService old = services.getIfPresent(id);
                    if (old != null && old.readSeq() < seq) {
                        services.invalidate(id);
                    }
                }
            }
            succeeded();
            publishIfChanged();
            settle();
        }
        if (!againIds.isEmpty() && !closed) {
            Set<String> again = new HashSet<>(againIds);
            againIds.clear();
            startRefresh(again);
        }
    }

    /** Keeps the newer of two reads of the same service. */
    private void put(SwarmService s) {
        SwarmService old = services.getIfPresent(s.id());
        if (old == null || old.readSeq() <= s.readSeq()) {
            services.put(s.id(), s);
        }
    }

    private void succeeded() {
        lastSuccess = Instant.now();
        observer.onSync(true);
        if (failing) {
            failing = false;
            log.info("Swarm discovery: Docker API answers again ({})", api.preferredEndpoint());
        }
    }

    private void failed(String what, Throwable error) {
        observer.onSync(false);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String age = lastSuccess == null ? "never synced"
                : "last success " + Duration.between(lastSuccess, Instant.now()).toMillis() + " ms ago";
        if (!failing) {
            failing = true;
            log.warn("Swarm discovery: {} failed, keeping the last endpoints ({}): {}", what, age, cause.getMessage());
        } else {
            log.debug("Swarm discovery: {} failed ({}): {}", what, age, cause.getMessage());
        }
    }

    /** Re-reads, at a short interval, the routed services Swarm is still moving. */
    private void settle() {
        long now = System.nanoTime();
        settleIds.clear();
        Set<String> known = new HashSet<>();
        for (SwarmService s : services.asMap().values()) {
            known.add(s.id());
            if (builder.relevant(s) && s.converging()) {
                long since = convergingSince.computeIfAbsent(s.id(), id -> now);
                if (now - since < SETTLE_GIVE_UP_NANOS) {
                    settleIds.add(s.id());
                }
            } else {
                convergingSince.remove(s.id());
            }
        }
        convergingSince.keySet().retainAll(known);
        if (!settleIds.isEmpty() && !settleScheduled && !closed) {
            settleScheduled = true;
            discoveryThread.schedule(() -> {
                settleScheduled = false;
                if (!settleIds.isEmpty()) {
                    startRefresh(new HashSet<>(settleIds));
                }
            }, SETTLE_POLL_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void publishIfChanged() {
        if (!fullDone) {
            return; // a partial view would show services as missing that were just not read yet
        }
        Collection<SwarmService> all = services.asMap().values();
        List<SwarmService> routed = new ArrayList<>(all.size());
        for (SwarmService s : all) {
            if (builder.relevant(s)) {
                routed.add(s);
            }
        }
        DiscoverySnapshot next = builder.build(routed, lastSuccess);
        DiscoverySnapshot previous = current;
        boolean first = !firstSync.isDone();
        current = next;
        if (!first && next.sameContent(previous)) {
            return;
        }
        if (log.isInfoEnabled()) {
            log.info("Swarm discovery: {}", describeChange(previous, next));
        }
        for (String w : next.warnings()) {
            if (!previous.warnings().contains(w)) {
                log.warn("Swarm discovery: {}", w);
            }
        }
        try {
            listener.onSnapshot(next);
        } catch (RuntimeException e) {
            log.error("Swarm discovery: the snapshot listener failed", e);
        }
        if (first) {
            firstSync.complete(next);
        }
    }

    private static String describeChange(DiscoverySnapshot before, DiscoverySnapshot after) {
        StringBuilder sb = new StringBuilder();
        Set<String> names = new java.util.TreeSet<>(before.endpoints().keySet());
        names.addAll(after.endpoints().keySet());
        for (String name : names) {
            List<HostPort> a = before.endpoints().get(name);
            List<HostPort> b = after.endpoints().get(name);
            if (!Objects.equals(a, b)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(name).append(' ')
                        .append(a == null ? "new" : String.valueOf(a.size())).append(" -> ")
                        .append(b == null ? "gone" : b.size() + " endpoints");
            }
        }
        if (!before.routes().equals(after.routes())) {
            sb.append(sb.length() == 0 ? "" : ", ").append(after.routes().size()).append(" label routes");
        }
        return sb.length() == 0 ? after.endpoints().size() + " services, no endpoint change" : sb.toString();
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
