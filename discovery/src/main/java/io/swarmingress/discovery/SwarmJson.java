package io.swarmingress.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Reads Engine API answers. Tasks are read with the streaming parser and everything but a few
 * fields is skipped: a resync of a large swarm is megabytes of task JSON (specs, resources,
 * network specs) of which routing needs the state and the addresses. docker-java's own
 * {@code Task} model is not used because it has no {@code NetworksAttachments}, the one field
 * that carries the addresses.
 */
final class SwarmJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private SwarmJson() {
    }

    /**
     * {@code GET /tasks}: the tasks worth keeping ({@link SwarmTask#worthKeeping()}: meant to run or
     * still running) with their service id, state, node and network addresses. The Engine API cannot
     * filter on a task's status, so a read of every desired state also returns the finished tasks
     * Swarm keeps as history (five per slot by default); they are dropped here, as they are parsed.
     */
    static Map<String, List<SwarmTask>> tasksByService(InputStream in) throws IOException {
        Map<String, List<SwarmTask>> out = new HashMap<>();
        try (JsonParser p = FACTORY.createParser(in)) {
            expect(p.nextToken(), JsonToken.START_ARRAY, "a task list");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String id = null;
                String service = null;
                String desired = null;
                String node = null;
                String[] status = {null, null};
                List<Attachment> attachments = List.of();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "ID": id = p.getValueAsString(); break;
                        case "ServiceID": service = p.getValueAsString(); break;
                        case "DesiredState": desired = p.getValueAsString(); break;
                        case "NodeID": node = p.getValueAsString(); break;
                        case "Status": status(p, value, status); break;
                        case "NetworksAttachments": attachments = attachments(p, value); break;
                        default: p.skipChildren();
                    }
                }
                if (id != null && service != null) {
                    SwarmTask task = new SwarmTask(id, status[0], desired, status[1], attachments, node);
                    if (task.worthKeeping()) {
                        out.computeIfAbsent(service, s -> new ArrayList<>()).add(task);
                    }
                }
            }
        }
        return out;
    }

    /** Reads {@code Status}: its {@code State} into {@code out[0]}, its {@code Timestamp} into {@code out[1]}. */
    private static void status(JsonParser p, JsonToken value, String[] out) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("State")) {
                out[0] = p.getValueAsString();
            } else if (field.equals("Timestamp")) {
                out[1] = p.getValueAsString();
            } else {
                p.skipChildren();
            }
        }
    }

    private static List<Attachment> attachments(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<Attachment> out = new ArrayList<>(2);
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String networkId = null;
            String name = null;
            boolean ingress = false;
            List<String> addresses = new ArrayList<>(1);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("Network") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String nf = p.currentName();
                        JsonToken nv = p.nextToken();
                        if (nf.equals("ID")) {
                            networkId = p.getValueAsString();
                        } else if (nf.equals("Spec") && nv == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String sf = p.currentName();
                                p.nextToken();
                                if (sf.equals("Name")) {
                                    name = p.getValueAsString();
                                } else if (sf.equals("Ingress")) {
                                    ingress = p.getValueAsBoolean();
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("Addresses") && v == JsonToken.START_ARRAY) {
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
                        String a = t == JsonToken.VALUE_STRING ? p.getText() : null;
                        p.skipChildren();
                        if (a != null) {
                            addresses.add(a);
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            out.add(new Attachment(networkId, name, ingress, addresses));
        }
        return out;
    }

    /** {@code GET /services}: every service, without tasks. */
    static List<SwarmService> services(InputStream in, long seq) throws IOException {
        JsonNode root = MAPPER.readTree(in);
        if (root == null || !root.isArray()) {
            throw new IOException("expected a service list, got " + (root == null ? "nothing" : root.getNodeType()));
        }
        List<SwarmService> out = new ArrayList<>(root.size());
        for (JsonNode n : root) {
            out.add(service(n, seq));
        }
        return out;
    }

    /** {@code GET /services/{id}}: one service, without tasks. */
    static SwarmService service(InputStream in, long seq) throws IOException {
        JsonNode n = MAPPER.readTree(in);
        if (n == null || !n.isObject()) {
            throw new IOException("expected a service object");
        }
        return service(n, seq);
    }

    static SwarmService service(JsonNode n, long seq) {
        JsonNode spec = n.path("Spec");
        Map<String, String> labels = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("Labels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
        }
        JsonNode mode = spec.path("Mode");
        long replicas = -1;
        if (mode.has("Replicated")) {
            replicas = mode.path("Replicated").path("Replicas").asLong(1);
        } else if (mode.has("ReplicatedJob") || mode.has("GlobalJob")) {
            replicas = -1;
        }
        String update = n.path("UpdateStatus").path("State").asText("");
        boolean updating = update.equals("updating") || update.equals("rollback_started");
        return new SwarmService(n.path("ID").asText(), spec.path("Name").asText(), labels, replicas, updating, List.of(),
                seq);
    }

    /** The {@code message} of an Engine API error body, or the body itself. */
    static String errorMessage(byte[] body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall through to the raw text
        }
        String s = new String(body, java.nio.charset.StandardCharsets.UTF_8).trim();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static void expect(JsonToken actual, JsonToken expected, String what) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + what + ", got " + actual);
        }
    }
}
