package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
 *
 * <p>Which tasks: endpoints come from tasks meant to run, and, while a service has fewer ready
 * tasks than it wants, from its outgoing tasks too (fallbacks, see {@link TaskEndpoints}). The
 * Engine API filters tasks by desired state and service but not by status, and a read of every
 * desired state also returns the finished tasks Swarm keeps as history (up to five per slot), so:
 * <ul>
 * <li>a full read asks for the tasks meant to run of the whole swarm (the one big answer, as
 *     small as it can be), then, in a third call and only if there are any, for every task of the
 *     services below what they want (in a settled swarm there are none: two calls);</li>
 * <li>a read of a few services (events, the 100 ms re-reads of converging services) asks for
 *     every task of those services in one call: their history is bounded, and one call sees
 *     outgoing and incoming tasks at the same moment.</li>
 * </ul>
 * Finished tasks are dropped as they are parsed ({@link SwarmJson#tasksByService}).
 */
final class SwarmReader {
    private static final String MEANT_TO_RUN = "/tasks?filters=" + DockerApi.query("{\"desired-state\":[\"running\"]}");

    /** The one call the reader makes: {@code DockerApi::get}. */
    interface Api {
        <T> T get(String path, DockerApi.BodyReader<T> reader)
                throws DockerApi.UnavailableException, DockerApi.NotFoundException;
    }

    private final Api api;
    private final Predicate<SwarmService> routed;

    /** @param routed whether routing needs a service's tasks; read at the time of each read */
    SwarmReader(Api api, Predicate<SwarmService> routed) {
        this.api = api;
        this.routed = routed;
    }

    /**
     * All services and the tasks routing needs: two calls whatever the size of the swarm, three
     * while some routed service is below what it wants. A service removed between the calls is
     * left out.
     */
    List<SwarmService> readAll(long seq) {
        try {
            List<SwarmService> all = api.get("/services", in -> SwarmJson.services(in, seq));
            Map<String, List<SwarmTask>> tasks = api.get(MEANT_TO_RUN, SwarmJson::tasksByService);
            List<SwarmService> out = new ArrayList<>(all.size());
            Set<String> below = new LinkedHashSet<>();
            for (SwarmService s : all) {
                if (routed.test(s)) {
                    SwarmService read = s.withTasks(tasks.getOrDefault(s.id(), List.of()), seq);
                    out.add(read);
                    if (read.belowWanted()) {
                        below.add(s.id());
                    }
                } else {
                    out.add(s);
                }
            }
            if (!below.isEmpty()) {
                Tasks outgoingToo = tasksOf(below);
                List<SwarmService> completed = new ArrayList<>(out.size());
                for (SwarmService s : out) {
                    if (!below.contains(s.id())) {
                        completed.add(s);
                    } else if (!outgoingToo.gone().contains(s.id())) {
                        completed.add(s.withTasks(outgoingToo.of(s.id()), seq));
                    }
                }
                return completed;
            }
            return out;
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException | JsonProcessingException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * The given services and all their tasks: one call per service, one for the tasks of all of
     * them. A service that no longer exists is absent from the answer.
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
                Tasks tasks = tasksOf(withTasks);
                for (String id : withTasks) {
                    if (tasks.gone().contains(id)) {
                        found.remove(id);
                    } else {
                        found.put(id, found.get(id).withTasks(tasks.of(id), seq));
                    }
                }
            }
            return found;
        } catch (DockerApi.UnavailableException | JsonProcessingException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * The tasks meant to run of these services, in one call: what the task poll compares with the
     * catalogue. More services than {@value #POLL_FILTER_LIMIT} are not named in the filter (the
     * query would grow with them): the tasks meant to run of the whole swarm are read instead.
     *
     * @throws CompletionException of {@link DockerApi.NotFoundException} when one of them is gone
     */
    Map<String, List<SwarmTask>> readMeantToRun(Collection<String> ids) {
        try {
            String path = ids.size() > POLL_FILTER_LIMIT ? MEANT_TO_RUN : "/tasks?filters=" + DockerApi.query(
                    SwarmJson.MAPPER.writeValueAsString(Map.of("desired-state", List.of("running"), "service", ids)));
            return api.get(path, SwarmJson::tasksByService);
        } catch (DockerApi.UnavailableException | DockerApi.NotFoundException | JsonProcessingException e) {
            throw new CompletionException(e);
        }
    }

    static final int POLL_FILTER_LIMIT = 50;

    /** Tasks by service id, and the services Swarm no longer knows. */
    private record Tasks(Map<String, List<SwarmTask>> byService, Set<String> gone) {
        List<SwarmTask> of(String id) {
            return byService.getOrDefault(id, List.of());
        }
    }

    /**
     * Every task of these services (finished ones dropped), in one call. Swarm answers 404 to the
     * whole call when one of the services named in the filter is gone (removed since it was read),
     * so then each service is asked on its own, and those that answer 404 are the ones gone.
     */
    private Tasks tasksOf(Collection<String> ids) throws DockerApi.UnavailableException, JsonProcessingException {
        try {
            return new Tasks(api.get(everyTaskOf(ids), SwarmJson::tasksByService), Set.of());
        } catch (DockerApi.NotFoundException someGone) {
            Map<String, List<SwarmTask>> byService = new HashMap<>();
            Set<String> gone = new HashSet<>();
            for (String id : ids) {
                try {
                    byService.putAll(api.get(everyTaskOf(List.of(id)), SwarmJson::tasksByService));
                } catch (DockerApi.NotFoundException e) {
                    gone.add(id);
                }
            }
            return new Tasks(byService, gone);
        }
    }

    private static String everyTaskOf(Collection<String> ids) throws JsonProcessingException {
        return "/tasks?filters=" + DockerApi.query(SwarmJson.MAPPER.writeValueAsString(Map.of("service", ids)));
    }
}
