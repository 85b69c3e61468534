package io.swarmingress.discovery;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.SwarmSource;

/**
 * Where the proxy's {@link DiscoverySnapshot}s come from: {@link SwarmDiscovery}, which reads the
 * Swarm API (a proxy on a manager), or {@link RelayDiscovery}, which follows what such a proxy
 * serves (a proxy on a worker, with no Docker socket). Both build the snapshot from the same
 * Swarm facts with the same {@code SnapshotBuilder} and hand each changed one to a
 * {@link DiscoveryListener}; the proxy does not tell them apart.
 */
public interface Discovery extends AutoCloseable {

    /**
     * The discovery the config's {@code swarm.source} asks for.
     *
     * @throws IllegalArgumentException when the config has no {@code swarm:} section
     * @throws IllegalStateException when the relay's token file cannot be read
     */
    static Discovery forConfig(IngressConfig config, DiscoveryListener listener, DiscoveryObserver observer) {
        if (config.swarm() == null) {
            throw new IllegalArgumentException("the config has no swarm: section");
        }
        return config.swarm().source() == SwarmSource.RELAY
                ? RelayDiscovery.forConfig(config, listener, observer)
                : SwarmDiscovery.forConfig(config, listener, observer);
    }

    /** Starts reading or following; returns at once. */
    void start();

    /** Completes with the first published snapshot. */
    CompletableFuture<DiscoverySnapshot> firstSync();

    /**
     * A new config file whose {@code swarm:} section has the same settings: the snapshot is built
     * again with it, without a new discovery.
     *
     * @throws IllegalArgumentException when the {@code swarm:} section differs
     */
    CompletableFuture<DiscoverySnapshot> applyFileConfig(IngressConfig config);

    /** The latest snapshot; {@link DiscoverySnapshot#EMPTY} before the first. */
    DiscoverySnapshot current();

    /**
     * When Swarm state was last read successfully, by this proxy or by the relay it follows (null
     * before): the age of what is served.
     */
    Instant lastSuccess();

    /** Whom this discovery asks: the manager endpoint or the relay address it asked last. */
    String activeEndpoint();

    /**
     * Where changes arrive from as they happen: the manager whose event stream is open, or the
     * relay followed; null while it is (re)connecting, when only the periodic reads see changes.
     */
    String eventStream();

    /** {@code docker} or {@code relay}, as in the config. */
    SwarmSource source();

    /**
     * The state a relay serves, with the current snapshot: null when this discovery keeps none
     * (no {@code relay.listen}, or a follower, which never serves) or before the first snapshot.
     */
    SwarmState relayState();

    @Override
    void close();
}
