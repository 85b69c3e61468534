package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.SwarmProviderConfig;

/**
 * The task behind each endpoint and the labels behind each label route, carried in the snapshot
 * for the dashboard, on answers recorded on the lab ({@code src/test/resources/engine-api}).
 */
class TaskRefTest {
    private static final Instant NOW = Instant.parse("2026-11-30T04:43:48Z");
    private static final String NODE = "is5vawlyv8n9kzu5vgumzbpne";

    private static SwarmService recorded(String service, String tasks, Map<String, String> labels) throws IOException {
        SwarmService s;
        try (InputStream in = FallbackEndpointsTest.resource("service-" + service + ".json")) {
            s = SwarmJson.service(in, 1);
        }
        s = new SwarmService(s.id(), s.name(), labels, s.replicas(), s.updating(), List.of(), 1);
        try (InputStream in = FallbackEndpointsTest.resource("tasks-" + tasks + ".json")) {
            return s.withTasks(SwarmJson.tasksByService(in).getOrDefault(s.id(), List.of()), 1);
        }
    }

    private static DiscoverySnapshot build(SwarmService s) {
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withNetwork("appnet").withEntrypoint("web");
        return new SnapshotBuilder(provider, List.of()).build(List.of(s), NOW);
    }

    @Test
    void eachEndpointNamesItsTaskAndNodeAsSwarmReportedThem() throws IOException {
        // Scaled from 3 to 1: the task that stays is the one endpoint; the two told to go are not endpoints.
        SwarmService sc = recorded("sc-scaled-to-1", "sc-scale-3-to-1",
                Map.of("ingress.enable", "true", "ingress.port", "8080", "ingress.http.host", "sc.test"));
        DiscoverySnapshot s = build(sc);

        assertThat(s.endpoints("sc")).containsExactly(new HostPort("10.0.1.7", 8080));
        assertThat(s.task(new HostPort("10.0.1.7", 8080))).isEqualTo(new TaskRef("hnk3vsp2dizl7c7wexg6s6yyi", NODE));
        assertThat(s.tasks()).as("only endpoints are named").hasSize(1);
        assertThat(s.task(new HostPort("10.0.1.9", 8080))).isNull();
    }

    @Test
    void aFallbackNamesTheOutgoingTaskItIs() throws IOException {
        // Stop-first update: the old task is told to stop and still runs, its replacement is not running yet.
        SwarmService upd = recorded("upd", "upd-1-stop-first-first-slot",
                Map.of("ingress.enable", "true", "ingress.port", "8080"));
        DiscoverySnapshot s = build(upd);

        assertThat(s.fallbacks("upd")).isNotEmpty();
        for (HostPort fallback : s.fallbacks("upd")) {
            TaskRef ref = s.task(fallback);
            assertThat(ref).as("task of fallback " + fallback).isNotNull();
            assertThat(ref.nodeId()).isEqualTo(NODE);
        }
        assertThat(s.tasks().keySet()).containsExactlyInAnyOrderElementsOf(s.endpoints("upd"));
    }

    @Test
    void labelsOfLabelledServicesAreKeptAndDoNotCountAsAChange() throws IOException {
        Map<String, String> labels = Map.of("ingress.enable", "true", "ingress.port", "8080", "ingress.http.host", "sc.test",
                "com.example.db-password", "hunter2");
        DiscoverySnapshot before = build(recorded("sc-scaled-to-1", "sc-scale-3-to-1", labels));
        assertThat(before.labels()).containsOnlyKeys("sc");
        assertThat(before.labels().get("sc")).isEqualTo(labels);

        Map<String, String> relabelled = new java.util.HashMap<>(labels);
        relabelled.put("com.example.owner", "team-b");
        DiscoverySnapshot after = build(recorded("sc-scaled-to-1", "sc-scale-3-to-1", relabelled));
        assertThat(after.labels().get("sc")).containsEntry("com.example.owner", "team-b");
        assertThat(after.sameContent(before)).as("labels are shown, not routed on: no new routing table").isTrue();

        DiscoverySnapshot otherTask = new DiscoverySnapshot(before.endpoints(), before.fallbacks(), before.services(),
                before.routes(), before.warnings(), before.lastSuccess(),
                Map.of(new HostPort("10.0.1.7", 8080), new TaskRef("another", NODE)), before.labels());
        assertThat(otherTask.sameContent(before)).as("a new task behind the same address routes the same").isTrue();
    }

    @Test
    void aTaskNotYetPlacedHasNoNode() {
        assertThat(new TaskRef("t1", null).nodeId()).isNull();
    }
}
