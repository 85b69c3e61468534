package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * The two reads of Swarm state, blocking, run on the reader threads: everything, or a few
 * services. Tasks are read only for services routing needs ({@code routed}), since a task list is
 * most of the bytes of a large swarm. A failure is thrown as a {@link CompletionException}, so that
 * a read can be the body of a {@code CompletableFuture} as it is.
 */
final class SwarmReader {
    private static final String RUNNING_TASKS = "/tasks?filters=" + DockerApi.query("{\"desired-state\":[\"running\"]}");

    private final DockerApi api;
    private final Predicate<SwarmService> routed;

    /** @param routed whether routing needs a service's tasks; read at the time of each read */
    SwarmReader(DockerApi api, Predicate<SwarmService> routed) {
        this.api = api;
        this.routed = routed;
    }

    /** Two calls whatever the size of the swarm: all services, all tasks meant to run. */
    List<SwarmService> readAll(long seq) {
        try {
            List<SwarmService> all = api.get("/services", in -> SwarmJson.services(in, seq));
            Map<String, List<SwarmTask>> tasks = api.get(RUNNING_TASKS, SwarmJson::tasksByService);
            List<SwarmService> out = new ArrayList<>(all.size());
            for (SwarmService s : all) {
                out.add(routed.test(s) ? s.withTasks(tasks.getOrDefault(s.id(), List.of()), seq) : s);
            }
            return out;
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * The given services and their tasks: one call per service, one for the tasks of all of them.
     * A service that no longer exists is absent from the answer.
     */
    Map<String, SwarmService> readSome(Set<String> ids, long seq) {
        try {
            Map<String, SwarmService> found = new HashMap<>();
            List<String> withTasks = new ArrayList<>();
            for (String id : ids) {
                try {
                    SwarmService s = api.get("/services/" + id, in -> SwarmJson.service(in, seq));
                    found.put(id, s);
                    if (routed.test(s)) {
                        withTasks.add(id);
                    }
                } catch (DockerApi.NotFoundException gone) {
                    // removed: absent from the result
                }
            }
            if (!withTasks.isEmpty()) {
                String filter = "{\"desired-state\":[\"running\"],\"service\":"
                        + SwarmJson.MAPPER.writeValueAsString(withTasks) + "}";
                Map<String, List<SwarmTask>> tasks = api.get("/tasks?filters=" + DockerApi.query(filter),
                        SwarmJson::tasksByService);
                for (String id : withTasks) {
                    found.put(id, found.get(id).withTasks(tasks.getOrDefault(id, List.of()), seq));
                }
            }
            return found;
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException | JsonProcessingException e) {
            throw new CompletionException(e);
        }
    }
}
