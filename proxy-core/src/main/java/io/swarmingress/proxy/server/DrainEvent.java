package io.swarmingress.proxy.server;

/**
 * Sent down every client pipeline when shutdown begins: an idle keep-alive connection closes at
 * once, a busy one after its current response.
 */
public final class DrainEvent {
    public static final DrainEvent INSTANCE = new DrainEvent();

    private DrainEvent() {
    }
}
