package io.swarmingress.discovery;

import java.util.function.Function;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which Docker events concern which services. Events are only triggers: what they say is never
 * taken as state, they decide what the {@link ReadScheduler} reads again.
 * <ul>
 * <li>a service event: that service changed; read it (and restart its short re-reads);</li>
 * <li>a container event of a Swarm task that can move tasks (not exec, attach, resize...): read
 *     that service's tasks, unless the service is known and routing does not use it;</li>
 * <li>a node event, or a network created or removed: everything may have moved, read it all.
 *     Network connect and disconnect come with container events and add nothing.</li>
 * </ul>
 * Runs on the discovery loop.
 */
final class EventTriage {
    private final DiscoveryObserver observer;
    private final Function<String, SwarmService> known;
    private final Predicate<SwarmService> routed;
    private final ReadScheduler scheduler;

    /**
     * @param known the service with an id as last read, null when unknown
     * @param routed whether routing uses a service
     */
    EventTriage(DiscoveryObserver observer, Function<String, SwarmService> known, Predicate<SwarmService> routed,
                ReadScheduler scheduler) {
        this.observer = observer;
        this.known = known;
        this.routed = routed;
        this.scheduler = scheduler;
    }

    void onEvent(JsonNode event) {
        String type = event.path("Type").asText("");
        String action = event.path("Action").asText("");
        observer.onEvent(type);
        JsonNode actor = event.path("Actor");
        switch (type) {
            case "service":
                String id = actor.path("ID").asText("");
                if (!id.isEmpty()) {
                    scheduler.requestService(id);
                }
                break;
            case "container":
                String serviceId = actor.path("Attributes").path("com.docker.swarm.service.id").asText("");
                if (!serviceId.isEmpty() && movesTasks(action)) {
                    SwarmService service = known.apply(serviceId);
                    if (service == null || routed.test(service)) {
                        scheduler.requestTasks(serviceId);
                    }
                }
                break;
            case "node":
                scheduler.requestFull();
                break;
            case "network":
                if (!action.equals("connect") && !action.equals("disconnect")) {
                    scheduler.requestFull();
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
}
