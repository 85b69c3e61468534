package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Which calls a read makes, on recorded Engine API answers ({@link RecordedEngine}): a settled
 * swarm costs the two calls it always did, and the outgoing tasks of a service (and the finished
 * history that comes with them) are asked for only while that service is below what it wants.
 */
class SwarmReaderTest {
    private static final String MEANT_TO_RUN = "/tasks?filters={\"desired-state\":[\"running\"]}";

    private static String everyTaskOf(String id) {
        return "/tasks?filters={\"service\":[\"" + id + "\"]}";
    }

    private static SwarmService named(List<SwarmService> services, String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aSettledSwarmCostsTwoCalls() {
        RecordedEngine engine = new RecordedEngine().with("slow", "slow-0-settled")
                .with("glob", "glob-2-replacement-running").with("sc-scaled-to-1", "sc-scale-3-to-1");
        List<SwarmService> all = new SwarmReader(engine, s -> !s.name().equals("sc")).readAll(1);

        assertThat(engine.asked()).containsExactly("/services", MEANT_TO_RUN);
        assertThat(RecordedEngine.names(all)).containsExactly("glob", "sc", "slow");
        assertThat(named(all, "slow").tasks()).hasSize(2).allMatch(SwarmTask::ready);
        assertThat(named(all, "glob").tasks()).as("the outgoing task is not read: the service has what it wants")
                .hasSize(1).allMatch(SwarmTask::ready);
        assertThat(named(all, "sc").tasks()).as("not routed: no tasks").isEmpty();
        assertThat(all).allMatch(s -> s.readSeq() == 1);
    }

    @Test
    void aServiceBelowWhatItWantsIsReadAgainWithItsOutgoingTasks() {
        RecordedEngine engine = new RecordedEngine().with("slow", "slow-1-thawed-told-to-stop")
                .with("glob", "glob-2-replacement-running").with("upd", "upd-2-stop-first-second-slot");
        List<SwarmService> all = new SwarmReader(engine, s -> true).readAll(7);

        assertThat(engine.asked()).hasSize(3).startsWith("/services", MEANT_TO_RUN);
        assertThat(engine.asked().get(2)).isIn(
                "/tasks?filters={\"service\":[\"" + engine.idOf("slow") + "\",\"" + engine.idOf("upd") + "\"]}",
                "/tasks?filters={\"service\":[\"" + engine.idOf("upd") + "\",\"" + engine.idOf("slow") + "\"]}");
        assertThat(named(all, "slow").tasks()).hasSize(2).allMatch(SwarmTask::outgoing);
        assertThat(named(all, "upd").tasks()).extracting(SwarmTask::desiredState)
                .containsExactlyInAnyOrder("running", "shutdown");
        assertThat(named(all, "glob").tasks()).hasSize(1);
        assertThat(all).allMatch(s -> s.readSeq() == 7);
    }

    @Test
    void aReadOfSomeServicesAsksForAllTheirTasksInOneCall() {
        RecordedEngine engine = new RecordedEngine().with("slow", "slow-2-one-replacement-running")
                .with("glob", "glob-2-replacement-running");
        String slow = engine.idOf("slow");
        Map<String, SwarmService> found = new SwarmReader(engine, s -> s.name().equals("slow"))
                .readSome(Set.of(slow, engine.idOf("glob")), 3);

        assertThat(engine.asked()).hasSize(3).endsWith(everyTaskOf(slow));
        assertThat(engine.asked().subList(0, 2)).containsExactlyInAnyOrder("/services/" + slow,
                "/services/" + engine.idOf("glob"));
        assertThat(found.get(slow).tasks()).as("meant to run, and outgoing").hasSize(4);
        assertThat(found.get(engine.idOf("glob")).tasks()).as("not routed").isEmpty();
    }

    @Test
    void aServiceRemovedBetweenTwoCallsOfAReadIsLeftOutAndTheReadSucceeds() {
        RecordedEngine engine = new RecordedEngine().with("slow", "slow-1-thawed-told-to-stop")
                .with("fast", "fast-1-one-old-stopped");
        String slow = engine.idOf("slow");
        String fast = engine.idOf("fast");
        engine.afterFirstCall(() -> engine.remove("slow"));
        List<SwarmService> all = new SwarmReader(engine, s -> true).readAll(1);
        assertThat(RecordedEngine.names(all)).containsExactly("fast");
        assertThat(named(all, "fast").tasks()).filteredOn(SwarmTask::outgoing).hasSize(1);
        // the filter naming both answers 404, then each is asked on its own
        assertThat(engine.asked()).hasSize(5).contains(everyTaskOf(slow), everyTaskOf(fast));

        RecordedEngine again = new RecordedEngine().with("slow", "slow-1-thawed-told-to-stop")
                .with("fast", "fast-1-one-old-stopped");
        again.afterFirstCall(() -> again.remove("slow"));
        Map<String, SwarmService> found = new SwarmReader(again, s -> true).readSome(Set.of(slow, fast), 2);
        assertThat(found).containsOnlyKeys(fast);
    }
}
