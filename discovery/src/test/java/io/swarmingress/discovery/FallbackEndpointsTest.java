package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Make before break, on Engine API 1.41 answers recorded on the lab ({@code src/test/resources/engine-api}):
 * {@code GET /services/NAME} and {@code GET /tasks?filters={"service":["NAME"]}} polled every 50 ms
 * while Swarm moved the services (the dockerd frozen with SIGSTOP for 15 s then thawed; a
 * {@code service update --update-order stop-first --force}; {@code service scale NAME=1} from 3).
 * Services {@code slow} (stop grace 10 s), {@code fast} (1 s), {@code glob} (global), {@code upd}
 * and {@code sc}, each on overlay network appnet, port 8080.
 */
class FallbackEndpointsTest {
    private static final String NETWORK = "appnet";

    private static HostPort at(String ip) {
        return new HostPort(ip, 8080);
    }

    /** A recorded service with the tasks a read of every desired state returned at one moment. */
    private static SwarmService recorded(String service, String tasks) throws IOException {
        SwarmService s;
        try (InputStream in = resource("service-" + service + ".json")) {
            s = SwarmJson.service(in, 1);
        }
        try (InputStream in = resource("tasks-" + tasks + ".json")) {
            return s.withTasks(SwarmJson.tasksByService(in).getOrDefault(s.id(), List.of()), 1);
        }
    }

    static InputStream resource(String name) {
        InputStream in = FallbackEndpointsTest.class.getResourceAsStream("/engine-api/" + name);
        assertThat(in).as("test resource engine-api/" + name).isNotNull();
        return in;
    }

    private static TaskEndpoints.Chosen chosen(SwarmService s) {
        Set<String> warnings = new TreeSet<>();
        TaskEndpoints.Chosen c = TaskEndpoints.of(s, NETWORK, 8080, "swarm service '" + s.name() + "'", "knob", warnings);
        assertThat(warnings).isEmpty();
        return c;
    }

    @Test
    void afterAFreezeTheOldTasksServeUntilTheirReplacementsRun() throws IOException {
        // settled: two ready tasks
        assertThat(chosen(recorded("slow", "slow-0-settled"))).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.13"), at("10.0.1.14")), List.of()));

        // thawed: both told to stop (desired shutdown) while they still run; replacements not scheduled yet
        SwarmService thawed = recorded("slow", "slow-1-thawed-told-to-stop");
        assertThat(thawed.ready()).isZero();
        assertThat(thawed.belowWanted()).isTrue();
        assertThat(thawed.converging()).isTrue();
        assertThat(chosen(thawed)).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.13"), at("10.0.1.14")), List.of(at("10.0.1.13"), at("10.0.1.14"))));

        // one replacement running, the other starting: one old task still stands in, the one whose
        // running was reported last (ugbzr... at 04:44:20.739297004, tnlia... 31 µs earlier)
        assertThat(chosen(recorded("slow", "slow-2-one-replacement-running"))).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.14"), at("10.0.1.25")), List.of(at("10.0.1.14"))));

        // both replacements running: the old ones leave at once, though their containers still run
        SwarmService replaced = recorded("slow", "slow-3-replacements-running");
        assertThat(replaced.tasks()).filteredOn(SwarmTask::outgoing).hasSize(2);
        assertThat(replaced.converging()).isFalse();
        assertThat(chosen(replaced)).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.24"), at("10.0.1.25")), List.of()));

        SwarmService stopped = recorded("slow", "slow-4-old-stopped");
        assertThat(stopped.tasks()).as("finished tasks are dropped as they are read").hasSize(2);
        assertThat(chosen(stopped)).isEqualTo(chosen(replaced));
    }

    @Test
    void aFallbackLeavesWhenItsContainerStopsEvenBeforeItsReplacementRuns() throws IOException {
        // stop grace 1 s: the agent stopped one old task, the other still runs, replacements not running yet
        assertThat(chosen(recorded("fast", "fast-1-one-old-stopped"))).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.16")), List.of(at("10.0.1.16"))));
        // nothing runs: nothing to route to (never a task whose status is not running)
        SwarmService none = recorded("fast", "fast-2-none-running");
        assertThat(none.tasks()).extracting(SwarmTask::state).containsOnly("starting");
        assertThat(chosen(none)).isEqualTo(new TaskEndpoints.Chosen(List.of(), List.of()));
    }

    @Test
    void aGlobalServiceWantsAsManyAsItsTasksMeantToRun() throws IOException {
        SwarmService pending = recorded("glob", "glob-1-thawed-replacement-pending");
        assertThat(pending.replicas()).isEqualTo(-1);
        assertThat(pending.wanted()).isEqualTo(1);
        assertThat(chosen(pending)).isEqualTo(new TaskEndpoints.Chosen(List.of(at("10.0.1.11")), List.of(at("10.0.1.11"))));
        assertThat(chosen(recorded("glob", "glob-2-replacement-running")))
                .isEqualTo(new TaskEndpoints.Chosen(List.of(at("10.0.1.27")), List.of()));
    }

    @Test
    void aStopFirstUpdateKeepsTheSlotItStopsUntilItsContainerStops() throws IOException {
        assertThat(chosen(recorded("upd", "upd-1-stop-first-first-slot"))).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.3"), at("10.0.1.4")), List.of(at("10.0.1.4"))));
        // second slot: the first old task is history (shutdown/shutdown) and the next new one is not
        // meant to run yet (desired state ready): both dropped as they are read
        SwarmService second = recorded("upd", "upd-2-stop-first-second-slot");
        assertThat(second.tasks()).extracting(SwarmTask::desiredState).containsExactlyInAnyOrder("running", "shutdown");
        assertThat(chosen(second)).isEqualTo(new TaskEndpoints.Chosen(
                List.of(at("10.0.1.3"), at("10.0.1.18")), List.of(at("10.0.1.3"))));
    }

    @Test
    void aScaleDownRemovesAtOnceBecauseTheTaskThatStaysIsAllTheServiceWants() throws IOException {
        SwarmService scaled = recorded("sc-scaled-to-1", "sc-scale-3-to-1");
        assertThat(scaled.tasks()).filteredOn(SwarmTask::outgoing).extracting(SwarmTask::desiredState)
                .containsOnly("remove").hasSize(2);
        assertThat(scaled.belowWanted()).isFalse();
        assertThat(chosen(scaled)).isEqualTo(new TaskEndpoints.Chosen(List.of(at("10.0.1.7")), List.of()));
    }

    private static SwarmTask task(String id, String state, String desired, String since, String ip) {
        return new SwarmTask(id, state, desired, since,
                List.of(new Attachment("n1", NETWORK, false, List.of(ip + "/24"))));
    }

    private static SwarmService replicated(long replicas, SwarmTask... tasks) {
        return new SwarmService("id-web", "web", Map.of(), replicas, false, List.of(tasks), 1);
    }

    @Test
    void theMostRecentlyRunningOutgoingTasksAreTakenFirstUpToWhatIsMissing() {
        SwarmTask ready = task("r", "running", "running", "2026-11-30T04:44:20.1Z", "10.0.1.2");
        SwarmTask oldest = task("a", "running", "shutdown", "2026-11-30T04:40:00Z", "10.0.1.3");
        SwarmTask newest = task("b", "running", "shutdown", "2026-11-30T04:43:46.785316Z", "10.0.1.4");
        SwarmTask middle = task("c", "running", "remove", "2026-11-30T04:43:46.7Z", "10.0.1.5");
        SwarmTask unreadable = task("d", "running", "shutdown", "yesterday", "10.0.1.6");
        SwarmTask starting = task("e", "starting", "running", "2026-11-30T04:44:25Z", "10.0.1.7");

        TaskEndpoints.Chosen three = chosen(replicated(3, unreadable, oldest, ready, middle, newest, starting));
        assertThat(three.fallbacks()).containsExactly(at("10.0.1.4"), at("10.0.1.5"));
        assertThat(three.all()).containsExactly(at("10.0.1.2"), at("10.0.1.4"), at("10.0.1.5"));

        List<SwarmTask> reversed = new ArrayList<>(List.of(unreadable, oldest, ready, middle, newest, starting));
        Collections.reverse(reversed);
        assertThat(chosen(replicated(3, reversed.toArray(SwarmTask[]::new)))).as("whatever the order of the answer")
                .isEqualTo(three);
        assertThat(chosen(replicated(5, unreadable, oldest, ready, middle, newest)).fallbacks())
                .as("an unreadable timestamp comes last").containsExactly(at("10.0.1.3"), at("10.0.1.4"), at("10.0.1.5"),
                        at("10.0.1.6"));
        assertThat(chosen(replicated(1, ready, oldest, newest)).fallbacks()).isEmpty();
        assertThat(chosen(replicated(0, oldest, newest))).as("scaled to zero")
                .isEqualTo(new TaskEndpoints.Chosen(List.of(), List.of()));
    }

    @Test
    void neverATaskWhoseStatusIsNotRunning() {
        SwarmService s = replicated(3, task("a", "complete", "shutdown", null, "10.0.1.3"),
                task("b", "failed", "shutdown", null, "10.0.1.4"), task("c", "preparing", "shutdown", null, "10.0.1.5"),
                task("d", "shutdown", "remove", null, "10.0.1.6"), task("e", "assigned", "running", null, "10.0.1.7"));
        assertThat(chosen(s)).isEqualTo(new TaskEndpoints.Chosen(List.of(), List.of()));
        assertThat(s.tasks()).noneMatch(SwarmTask::outgoing);
    }

    @Test
    void anOutgoingTaskWithTheAddressOfAReadyOneIsNotCountedTwice() {
        SwarmService s = replicated(2, task("new", "running", "running", "2026-11-30T04:44:29Z", "10.0.1.9"),
                task("old", "running", "shutdown", "2026-11-30T04:44:20Z", "10.0.1.9"),
                task("other", "running", "shutdown", "2026-11-30T04:40:00Z", "10.0.1.10"));
        assertThat(chosen(s)).isEqualTo(new TaskEndpoints.Chosen(List.of(at("10.0.1.9"), at("10.0.1.10")),
                List.of(at("10.0.1.10"))));
    }

    @Test
    void convergingCountsOnlyTasksMeantToRun() {
        SwarmTask ready = task("r", "running", "running", null, "10.0.1.2");
        SwarmTask outgoing = task("o", "running", "remove", null, "10.0.1.3");
        assertThat(replicated(1, ready, outgoing).converging()).as("a scale-down's leftovers").isFalse();
        assertThat(replicated(2, ready, outgoing).converging()).isTrue();
        assertThat(replicated(2, ready, outgoing).belowWanted()).isTrue();
        assertThat(new SwarmService("g", "g", Map.of(), -1, false, List.of(ready, outgoing), 1).belowWanted()).isFalse();
    }

    @Test
    void theSnapshotMarksFallbacksAmongTheEndpointsItRoutesTo() throws IOException {
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withNetwork(NETWORK).withEntrypoint("web");
        SwarmService slow = recorded("slow", "slow-2-one-replacement-running");
        SwarmService labelled = new SwarmService(slow.id(), slow.name(), Map.of("ingress.enable", "true",
                "ingress.port", "8080"), slow.replicas(), slow.updating(), slow.tasks(), 1);
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(labelled), Instant.EPOCH);
        assertThat(s.endpoints("slow")).containsExactly(at("10.0.1.14"), at("10.0.1.25"));
        assertThat(s.fallbacks("slow")).containsExactly(at("10.0.1.14"));
        assertThat(s.readyEndpoints("slow")).containsExactly(at("10.0.1.25"));
        assertThat(s.fallbacks()).containsOnlyKeys("slow");

        DiscoverySnapshot noFallbacks = new DiscoverySnapshot(s.endpoints(), s.services(), s.routes(), s.warnings(),
                s.lastSuccess());
        assertThat(noFallbacks.sameContent(s)).as("which endpoints are fallbacks is content").isFalse();
        assertThat(noFallbacks.fallbacks("slow")).isEmpty();
        assertThat(noFallbacks.readyEndpoints("slow")).isEqualTo(s.endpoints("slow"));
        assertThat(new DiscoverySnapshot(s.endpoints(), Map.of("slow", Set.of()), s.services(), s.routes(),
                s.warnings(), s.lastSuccess())).as("an empty set is no entry").isEqualTo(noFallbacks);
        assertThatThrownBy(() -> new DiscoverySnapshot(s.endpoints(), Map.of("slow", Set.of(at("10.0.1.99"))),
                List.of(), List.of(), List.of(), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fallbacks of 'slow': 10.0.1.99:8080 (expected: one of its endpoints");
    }
}
