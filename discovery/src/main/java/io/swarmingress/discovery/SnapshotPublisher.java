package io.swarmingress.discovery;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.swarmingress.config.HostPort;

/**
 * Builds a {@link DiscoverySnapshot} from the {@link ServiceCatalogue}, compares it with the last
 * one and hands it to the listener only when it differs: a re-read that finds nothing new costs
 * the proxy nothing. Owns the {@link SnapshotBuilder}, which holds what the config file says
 * (its services, routes and http entrypoints), so a new file is a new builder and one more
 * publish, not a new discovery.
 *
 * <p>{@link #publish} and {@link #reconfigure} run on the discovery loop; the listener is called
 * there, under no lock. {@link #current()}, {@link #firstSync()} and {@link #routed} may be used
 * from any thread.
 */
final class SnapshotPublisher {
    private static final Logger log = LoggerFactory.getLogger(SwarmDiscovery.class);

    private final DiscoveryListener listener;
    private final CompletableFuture<DiscoverySnapshot> firstSync = new CompletableFuture<>();
    /** The label prefix of the relayed state; null when no state is kept for a relay. */
    private final String relayPrefix;
    private volatile SnapshotBuilder builder;
    private volatile DiscoverySnapshot current = DiscoverySnapshot.EMPTY;
    private volatile SwarmState relayed;

    SnapshotPublisher(SnapshotBuilder builder, DiscoveryListener listener) {
        this(builder, listener, null);
    }

    /**
     * @param relayPrefix when not null, each published snapshot comes with the {@link SwarmState}
     *                    it was built from, for a relay to serve (labels under this prefix)
     */
    SnapshotPublisher(SnapshotBuilder builder, DiscoveryListener listener, String relayPrefix) {
        this.builder = Objects.requireNonNull(builder, "builder");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.relayPrefix = relayPrefix;
    }

    /**
     * The routed services the current snapshot was built from, for a relay; null before the first
     * snapshot or when none is kept. Set before the listener hears of the snapshot.
     */
    SwarmState relayed() {
        return relayed;
    }

    /** Whether routing needs this service (its tasks are read, its changes published). */
    boolean routed(SwarmService s) {
        return builder.relevant(s);
    }

    DiscoverySnapshot current() {
        return current;
    }

    /** Completes with the first snapshot published. */
    CompletableFuture<DiscoverySnapshot> firstSync() {
        return firstSync;
    }

    /**
     * Publishes the catalogue's state when it differs from the last snapshot. Nothing is published
     * before the catalogue is complete (the first full read): a partial view would show services
     * as missing that were just not read yet.
     *
     * @param readAt when the catalogue's state was last read successfully
     */
    void publish(ServiceCatalogue catalogue, Instant readAt) {
        if (!catalogue.complete()) {
            return;
        }
        SnapshotBuilder b = builder;
        List<SwarmService> routed = catalogue.matching(b::relevant);
        DiscoverySnapshot next = b.build(routed, readAt);
        DiscoverySnapshot previous = current;
        boolean first = !firstSync.isDone();
        current = next;
        if (!first && next.sameContent(previous)) {
            return;
        }
        if (relayPrefix != null) {
            relayed = SwarmState.of(routed, readAt, relayPrefix);
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

    /**
     * Takes what a new config file says and publishes again from the catalogue as it is, if that
     * changes the snapshot. No read is needed for that, except for services the new file names
     * that no route used before: they were read without their tasks.
     *
     * @return the ids of those services, to be read now
     */
    Set<String> reconfigure(SnapshotBuilder next, ServiceCatalogue catalogue, Instant readAt) {
        SnapshotBuilder previous = builder;
        builder = Objects.requireNonNull(next, "builder");
        Set<String> newlyRouted = new HashSet<>();
        for (SwarmService s : catalogue.matching(next::relevant)) {
            if (!previous.relevant(s)) {
                newlyRouted.add(s.id());
            }
        }
        publish(catalogue, readAt);
        return newlyRouted;
    }

    private static String describeChange(DiscoverySnapshot before, DiscoverySnapshot after) {
        StringBuilder sb = new StringBuilder();
        Set<String> names = new TreeSet<>(before.endpoints().keySet());
        names.addAll(after.endpoints().keySet());
        for (String name : names) {
            List<HostPort> a = before.endpoints().get(name);
            List<HostPort> b = after.endpoints().get(name);
            Set<HostPort> fa = before.fallbacks(name);
            Set<HostPort> fb = after.fallbacks(name);
            if (!Objects.equals(a, b) || !fa.equals(fb)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(name).append(' ')
                        .append(a == null ? "new" : String.valueOf(a.size())).append(" -> ")
                        .append(b == null ? "gone" : b.size() + " endpoints");
                if (!fb.isEmpty()) {
                    sb.append(" (").append(fb.size()).append(fb.size() == 1 ? " fallback" : " fallbacks")
                            .append(": told to stop, still running, kept until replacements run)");
                }
            }
        }
        if (!before.routes().equals(after.routes())) {
            sb.append(sb.length() == 0 ? "" : ", ").append(after.routes().size()).append(" label routes");
        }
        return sb.length() == 0 ? after.endpoints().size() + " services, no endpoint change" : sb.toString();
    }
}
