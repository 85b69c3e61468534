package io.swarmingress.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * What a relay serves: the routed Swarm services and their tasks as a proxy that reads the Swarm
 * API last read them, and when. A proxy that follows the relay puts them in its own catalogue and
 * builds its snapshot with its own config file, through the same {@link SnapshotBuilder} as a
 * proxy that reads Swarm itself, so both route alike, fallbacks and label routes included, and a
 * new routing label needs no change here.
 *
 * <p>Only what routing reads is in it: service id, name, replica count, whether an update runs,
 * the labels under the routing prefix, and per task its id, state, desired state, state time and
 * overlay addresses. No spec, no environment, no mounts, no secrets: whoever reads a relay learns
 * which addresses serve which routes, nothing a task's own DNS lookups would not tell it.
 *
 * <p>Encoded once per change as one line of JSON ({@link #json()}), the same bytes for every
 * follower. Immutable.
 */
public final class SwarmState {
    /** The version of the JSON; a follower refuses another one rather than guess. */
    static final int FORMAT = 1;

    private final List<SwarmService> services;
    private final Instant readAt;
    private final byte[] json;

    private SwarmState(List<SwarmService> services, Instant readAt, byte[] json) {
        this.services = List.copyOf(services);
        this.readAt = readAt;
        this.json = json;
    }

    /**
     * @param routed the services routing uses, with their tasks
     * @param readAt when they were read
     * @param labelPrefix only labels under it are relayed: the routing labels
     */
    static SwarmState of(Collection<SwarmService> routed, Instant readAt, String labelPrefix) {
        List<SwarmService> sorted = new ArrayList<>(routed);
        sorted.sort(Comparator.comparing(SwarmService::id));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 512 * sorted.size());
        try (JsonGenerator g = SwarmJson.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeStringField("read_at", readAt.toString());
            g.writeArrayFieldStart("services");
            for (SwarmService s : sorted) {
                write(g, s, labelPrefix);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
        }
        return new SwarmState(sorted, readAt, out.toByteArray());
    }

    private static void write(JsonGenerator g, SwarmService s, String labelPrefix) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("name", s.name());
        g.writeNumberField("replicas", s.replicas());
        g.writeBooleanField("updating", s.updating());
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, String> l : new TreeMap<>(s.labels()).entrySet()) {
            if (l.getKey().startsWith(labelPrefix)) {
                g.writeStringField(l.getKey(), l.getValue());
            }
        }
        g.writeEndObject();
        g.writeArrayFieldStart("tasks");
        for (SwarmTask t : s.tasks()) {
            g.writeStartObject();
            g.writeStringField("id", t.id());
            g.writeStringField("state", t.state());
            g.writeStringField("desired_state", t.desiredState());
            g.writeStringField("since", t.stateSince());
            g.writeArrayFieldStart("networks");
            for (Attachment a : t.attachments()) {
                g.writeStartObject();
                g.writeStringField("id", a.networkId());
                g.writeStringField("name", a.networkName());
                g.writeBooleanField("ingress", a.ingress());
                g.writeArrayFieldStart("addresses");
                for (String address : a.addresses()) {
                    g.writeString(address);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * Reads what {@link #json()} wrote, e.g. a state captured from a relay.
     *
     * @throws IOException when it is not JSON of format {@value #FORMAT}
     */
    public static SwarmState parse(byte[] json) throws IOException {
        return parse(json, 0);
    }

    /**
     * Reads what {@link #json()} wrote; each service gets the read order {@code seq} of the
     * follower's catalogue.
     *
     * @throws IOException when it is not JSON of format {@value #FORMAT}
     */
    static SwarmState parse(byte[] json, long seq) throws IOException {
        JsonNode root = SwarmJson.MAPPER.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("relay state: expected a JSON object");
        }
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IOException("relay state of format " + format + " (expected: " + FORMAT
                    + "; relay and follower must run the same version)");
        }
        Instant readAt = instant(root.path("read_at"));
        if (readAt == null) {
            throw new IOException("relay state without read_at");
        }
        List<SwarmService> services = new ArrayList<>();
        for (JsonNode s : root.path("services")) {
            services.add(service(s, seq));
        }
        return new SwarmState(services, readAt, json.clone());
    }

    private static SwarmService service(JsonNode s, long seq) throws IOException {
        String id = required(s, "id");
        Map<String, String> labels = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("labels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> l = it.next();
            labels.put(l.getKey(), l.getValue().asText());
        }
        List<SwarmTask> tasks = new ArrayList<>();
        for (JsonNode t : s.path("tasks")) {
            List<Attachment> attachments = new ArrayList<>();
            for (JsonNode a : t.path("networks")) {
                List<String> addresses = new ArrayList<>();
                a.path("addresses").forEach(x -> addresses.add(x.asText()));
                attachments.add(new Attachment(text(a, "id"), text(a, "name"), a.path("ingress").asBoolean(false),
                        addresses));
            }
            tasks.add(new SwarmTask(required(t, "id"), text(t, "state"), text(t, "desired_state"), text(t, "since"),
                    attachments));
        }
        return new SwarmService(id, required(s, "name"), labels, s.path("replicas").asLong(-1),
                s.path("updating").asBoolean(false), tasks, seq);
    }

    private static String required(JsonNode n, String field) throws IOException {
        String v = text(n, field);
        if (v == null || v.isEmpty()) {
            throw new IOException("relay state: a " + field + " is missing");
        }
        return v;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** A time the relay wrote, or null when it wrote none. */
    static Instant instant(JsonNode n) throws IOException {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            throw new IOException("relay state: '" + n.asText() + "' is not a time");
        }
    }

    /** When the services were read from the Swarm API. */
    public Instant readAt() {
        return readAt;
    }

    /** The state as one line of UTF-8 JSON (a copy). */
    public byte[] json() {
        return json.clone();
    }

    /** Bytes of {@link #json()}. */
    public int size() {
        return json.length;
    }

    List<SwarmService> services() {
        return services;
    }
}
