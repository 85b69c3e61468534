package io.swarmingress.discovery;

/**
 * What discovery reports for metrics, without depending on a metrics library: the proxy binds
 * these to {@code ingress_discovery_syncs_total{result}}, {@code ingress_discovery_events_total{type}}
 * and, with {@link SwarmDiscovery#lastSuccess()}, {@code ingress_discovery_last_success_timestamp_seconds}.
 * Called from discovery threads; implementations must be thread-safe and quick.
 */
public interface DiscoveryObserver {
    DiscoveryObserver NOOP = new DiscoveryObserver() {
    };

    /** One read of Swarm state (a full resync or a refresh of some services) ended. */
    default void onSync(boolean ok) {
    }

    /** One Docker event arrived; {@code type} is the Docker event type (service, container, node, network). */
    default void onEvent(String type) {
    }

    /** Calls moved from one manager endpoint to another because the first stopped answering. */
    default void onFailover(String from, String to) {
    }
}
