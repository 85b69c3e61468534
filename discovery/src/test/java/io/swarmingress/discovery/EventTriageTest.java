package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.swarmingress.discovery.RecordingReads.Read;

/** Which reads Docker events lead to, events shaped as {@code GET /events} sends them. */
class EventTriageTest {
    private static final Duration DEBOUNCE = Duration.ofMillis(100);

    private final ManualLoop loop = new ManualLoop();
    private final RecordingReads reads = new RecordingReads(loop);
    private final ReadScheduler scheduler = new ReadScheduler(loop, loop, DEBOUNCE, Duration.ofHours(1), reads);
    private final DiscoveryCounters counters = new DiscoveryCounters();
    private final Map<String, SwarmService> known = new HashMap<>();
    private final EventTriage triage = new EventTriage(counters, known::get,
            s -> "true".equals(s.labels().get("ingress.enable")), scheduler);

    private static JsonNode event(String type, String action, String actorId, String serviceId) {
        String attributes = serviceId == null ? "{\"name\":\"x\"}"
                : "{\"com.docker.swarm.service.id\":\"" + serviceId + "\",\"com.docker.swarm.task.id\":\"t1\"}";
        String json = "{\"Type\":\"" + type + "\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"" + actorId
                + "\",\"Attributes\":" + attributes + "},\"scope\":\"local\",\"time\":1700000000}";
        try {
            return SwarmJson.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private List<Read> readsAfter(JsonNode... events) {
        for (JsonNode e : events) {
            triage.onEvent(e);
        }
        loop.advance(DEBOUNCE);
        return reads.started();
    }

    @Test
    void aServiceEventReadsThatService() {
        assertThat(readsAfter(event("service", "update", "svc1", null)))
                .singleElement().extracting(Read::ids).isEqualTo(Set.of("svc1"));
    }

    @Test
    void containerEventsThatMoveTasksReadTheirServiceTogether() {
        assertThat(readsAfter(event("container", "start", "c1", "svc1"), event("container", "die", "c2", "svc2"),
                event("container", "destroy", "c2", "svc2")))
                .singleElement().extracting(Read::ids).isEqualTo(Set.of("svc1", "svc2"));
    }

    @Test
    void containerEventsThatMoveNoTaskAreIgnored() {
        assertThat(readsAfter(event("container", "exec_start: sh", "c1", "svc1"), event("container", "attach", "c1", "svc1"),
                event("container", "resize", "c1", "svc1"), event("container", "top", "c1", "svc1"),
                event("container", "start", "c9", null))).isEmpty();
    }

    @Test
    void aContainerOfAKnownServiceThatNoRouteUsesIsIgnoredButAnUnknownOneIsRead() {
        known.put("plain", new SwarmService("plain", "plain", Map.of(), 1, false, List.of(), 1));
        known.put("routed", new SwarmService("routed", "routed", Map.of("ingress.enable", "true"), 1, false, List.of(), 1));
        assertThat(readsAfter(event("container", "die", "c1", "plain"), event("container", "die", "c2", "routed"),
                event("container", "start", "c3", "new")))
                .singleElement().extracting(Read::ids).isEqualTo(Set.of("routed", "new"));
    }

    @Test
    void nodeEventsAndNetworksComingOrGoingReadEverything() {
        assertThat(readsAfter(event("node", "update", "n1", null))).singleElement().extracting(Read::full).isEqualTo(true);
        reads.last().succeed();
        assertThat(readsAfter(event("network", "create", "net1", null))).hasSize(2).last().extracting(Read::full)
                .isEqualTo(true);
        reads.last().succeed();
        assertThat(readsAfter(event("network", "remove", "net1", null))).hasSize(3).last().extracting(Read::full)
                .isEqualTo(true);
    }

    @Test
    void networkConnectAndDisconnectAddNothingToTheirContainerEvents() {
        assertThat(readsAfter(event("network", "connect", "net1", null), event("network", "disconnect", "net1", null)))
                .isEmpty();
    }

    @Test
    void everyEventIsCountedByTypeWhetherItLeadsToAReadOrNot() {
        readsAfter(event("container", "exec_start: sh", "c1", "svc1"), event("container", "start", "c1", "svc1"),
                event("network", "connect", "net1", null), event("volume", "create", "v1", null));
        assertThat(counters.events()).containsExactly(Map.entry("container", 2L), Map.entry("network", 1L),
                Map.entry("volume", 1L));
    }
}
