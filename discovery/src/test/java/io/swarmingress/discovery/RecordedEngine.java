package io.swarmingress.discovery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * Engine API answers recorded on the lab ({@code src/test/resources/engine-api}), served the way
 * dockerd 20.10 filters them: {@code GET /services}, {@code /services/ID}, and {@code /tasks}
 * filtered by {@code desired-state} and {@code service} (id or name), with a 404 for the whole
 * call when a service named in the filter does not exist. Records every path asked.
 *
 * <p>Not a stand-in for Swarm (the reads run against the real lab in the Swarm tests): it makes
 * two things observable that the real one cannot show on demand, which calls a read makes (the
 * cost of a resync) and a service removed between two calls of one read.
 */
final class RecordedEngine implements SwarmReader.Api {
    private final List<JsonNode> services = new CopyOnWriteArrayList<>();
    private final List<JsonNode> tasks = new CopyOnWriteArrayList<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private volatile Runnable afterFirstCall = () -> { };

    /** Adds {@code service-NAME.json} and the tasks of {@code tasks-STATE.json}. */
    RecordedEngine with(String service, String taskState) {
        services.add(read("service-" + service + ".json"));
        read("tasks-" + taskState + ".json").forEach(tasks::add);
        return this;
    }

    /** Runs once, after the first call is answered: a change in Swarm between two calls of a read. */
    RecordedEngine afterFirstCall(Runnable change) {
        this.afterFirstCall = change;
        return this;
    }

    /** Removes a service and its tasks, as {@code docker service rm} does. */
    void remove(String name) {
        String id = idOf(name);
        services.removeIf(s -> s.path("ID").asText().equals(id));
        tasks.removeIf(t -> t.path("ServiceID").asText().equals(id));
    }

    String idOf(String name) {
        for (JsonNode s : services) {
            if (s.path("Spec").path("Name").asText().equals(name) || s.path("ID").asText().equals(name)) {
                return s.path("ID").asText();
            }
        }
        return null;
    }

    /** The paths asked, URL-decoded, in order. */
    List<String> asked() {
        return List.copyOf(asked);
    }

    @Override
    public <T> T get(String path, DockerApi.BodyReader<T> reader) throws DockerApi.NotFoundException {
        String decoded = URLDecoder.decode(path, StandardCharsets.UTF_8);
        asked.add(decoded);
        try {
            JsonNode answer = answer(decoded);
            try (InputStream in = new ByteArrayInputStream(SwarmJson.MAPPER.writeValueAsBytes(answer))) {
                return reader.read(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Runnable change = afterFirstCall;
            afterFirstCall = () -> { };
            change.run();
        }
    }

    private JsonNode answer(String path) throws DockerApi.NotFoundException, IOException {
        ArrayNode out = SwarmJson.MAPPER.createArrayNode();
        if (path.equals("/services")) {
            services.forEach(out::add);
            return out;
        }
        if (path.startsWith("/services/")) {
            String id = idOf(path.substring("/services/".length()));
            if (id == null) {
                throw new DockerApi.NotFoundException("service " + path.substring(10) + " not found");
            }
            for (JsonNode s : services) {
                if (s.path("ID").asText().equals(id)) {
                    return s;
                }
            }
        }
        if (path.startsWith("/tasks?filters=")) {
            JsonNode filters = SwarmJson.MAPPER.readTree(path.substring("/tasks?filters=".length()));
            Set<String> desired = values(filters.path("desired-state"));
            Set<String> ids = new HashSet<>();
            for (String s : values(filters.path("service"))) {
                String id = idOf(s);
                if (id == null) {
                    throw new DockerApi.NotFoundException("service " + s + " not found");
                }
                ids.add(id);
            }
            for (JsonNode t : tasks) {
                if ((desired.isEmpty() || desired.contains(t.path("DesiredState").asText()))
                        && (ids.isEmpty() || ids.contains(t.path("ServiceID").asText()))) {
                    out.add(t);
                }
            }
            return out;
        }
        throw new IllegalArgumentException("not recorded: GET " + path);
    }

    private static Set<String> values(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static JsonNode read(String resource) {
        try (InputStream in = FallbackEndpointsTest.resource(resource)) {
            return SwarmJson.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> names(List<SwarmService> services) {
        List<String> out = new ArrayList<>();
        services.forEach(s -> out.add(s.name()));
        out.sort(null);
        return out;
    }
}
