package io.swarmingress.discovery;

/**
 * What discovery reports for metrics, without depending on a metrics library. The proxy counts
 * {@link #onSync} as {@code ingress_discovery_syncs_total{result="success"|"failure"}} and
 * {@link #onEvent} as {@code ingress_discovery_events_total{type}}, and exports
 * {@link SwarmDiscovery#lastSuccess()} as {@code ingress_discovery_last_success_timestamp_seconds};
 * it does not export {@link #onFailover} (yet), which {@link DiscoveryCounters} counts.
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
