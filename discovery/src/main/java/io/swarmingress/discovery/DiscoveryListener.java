package io.swarmingress.discovery;

/**
 * Receives each new {@link DiscoverySnapshot}. Called on the discovery thread, one call at a time,
 * never under a lock, and only when something changed: an implementation builds its new routing
 * table and swaps it in; it must not block for long, as the next snapshot waits for it.
 */
@FunctionalInterface
public interface DiscoveryListener {
    void onSnapshot(DiscoverySnapshot snapshot);
}
