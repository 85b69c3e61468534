package io.swarmingress.discovery;

import static io.swarmingress.discovery.LabDiscovery.BOUND;
import static io.swarmingress.discovery.LabDiscovery.addresses;
import static io.swarmingress.discovery.LabDiscovery.firstWithout;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.discovery.SnapshotRecorder.Received;
import io.swarmingress.discovery.SwarmLab.LabTask;

/**
 * Swarm restarting every task of a node, on the single-node lab: the node frozen (its dockerd
 * stopped with SIGSTOP, as a node that misses its heartbeats) and the node drained. Two services:
 * {@code slow} with a 10 s stop grace period, {@code fast} with 1 s (busybox httpd ignores SIGTERM
 * as PID 1, so a task stops when its grace runs out). Timelines are printed (MBB lines).
 */
class RescheduleTest {
    /**
     * Beyond the heartbeat deadline whatever the phase of the heartbeats: a node has 3 heartbeat
     * periods of 5 s (plus jitter) from its last heartbeat.
     */
    private static final Duration FREEZE = Duration.ofSeconds(20);
    private static final int FREEZE_ATTEMPTS = 4;

    private LabDiscovery lab;

    @BeforeEach
    void lab() {
        lab = new LabDiscovery();
    }

    @AfterEach
    void cleanup() {
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * On the thaw the manager finds the node's heartbeats missed and marks it Down, unless the
     * agent registers again first: swarmkit's dispatcher writes node status in batches every
     * 100 ms, and the agent's new registration (Ready) overwrites the Down still waiting in the
     * batch. About half the freezes reschedule; so the freeze is repeated until one does, and each
     * one that does not is checked for what happens then (nothing: same tasks, same endpoints).
     * When the node was Down, Swarm marks every task for shutdown and creates replacements, which
     * it starts after the restart delay (5 s) without waiting for the old tasks to stop (it does
     * not for a Down node); the agent, registered again, stops the old containers after their
     * grace. So {@code slow} has its old containers running until after its replacements run,
     * {@code fast} loses them first.
     */
    @Test
    void afterAFreezeTheOldTasksServeUntilTheirReplacementsRunOrTheirContainersStop() {
        String slow = lab.service("slow", 2, "10s");
        String fast = lab.service("fast", 2, "1s");
        SwarmDiscovery discovery = lab.start();
        for (int attempt = 1; attempt <= FREEZE_ATTEMPTS; attempt++) {
            Map<String, LabTask> slowOld = lab.settled(slow, 2);
            Map<String, LabTask> fastOld = lab.settled(fast, 2);
            int published = lab.recorder.count();
            DiscoverySnapshot before = lab.recorder.latest();

            long[] frozen = lab.lab.freezeDaemon(FREEZE);
            if (rescheduled(slow, slowOld.keySet(), frozen[1])) {
                System.out.printf("MBB freeze attempt %d: Swarm rescheduled%n", attempt);
                assertOldTasksServeUntilReplaced("dockerd frozen " + (frozen[1] - frozen[0]) + " ms", frozen[0],
                        frozen[1], "thaw", true, slow, slowOld, fast, fastOld);
                return;
            }
            assertNothingChanged(discovery, frozen[1], slow, slowOld, published, before);
            System.out.printf("MBB freeze attempt %d: Swarm did not reschedule (the agent registered again before the"
                    + " node's Down status was written); same tasks, same endpoints, nothing published%n", attempt);
        }
        System.out.printf("MBB freeze: no reschedule in %d freezes; the reschedule path is covered by the drain test"
                + " and FallbackEndpointsTest%n", FREEZE_ATTEMPTS);
    }

    /** A freeze well within the heartbeat deadline: Swarm changes nothing, and so does discovery. */
    @Test
    void aShortFreezeChangesNothing() {
        String slow = lab.service("slow", 2, "10s");
        SwarmDiscovery discovery = lab.start();
        Map<String, LabTask> old = lab.settled(slow, 2);
        int published = lab.recorder.count();
        DiscoverySnapshot before = lab.recorder.latest();
        long[] frozen = lab.lab.freezeDaemon(Duration.ofSeconds(5));
        assertNothingChanged(discovery, frozen[1], slow, old, published, before);
    }

    /** After a read that began after the thaw: the same tasks run, meant to run, and nothing was published. */
    private void assertNothingChanged(SwarmDiscovery discovery, long thaw, String service, Map<String, LabTask> old,
                                      int published, DiscoverySnapshot before) {
        Awaitility.await("a read after the thaw").atMost(BOUND).until(() -> discovery.lastSuccess() != null
                && discovery.lastSuccess().isAfter(Instant.ofEpochMilli(thaw).plusSeconds(1)));
        assertThat(lab.lab.tasks(service).values()).filteredOn(t -> old.containsKey(t.id()))
                .allMatch(LabTask::running).hasSize(old.size());
        assertThat(lab.recorder.count()).as("no change published").isEqualTo(published);
        assertThat(discovery.current().sameContent(before)).isTrue();
    }

    /**
     * Draining the node: Swarm marks its tasks for shutdown at once and creates replacements,
     * which (the node being active again) it starts only once the old tasks have stopped, since
     * the node is not Down. The old tasks serve as fallbacks through their stop grace.
     */
    @Test
    void aDrainKeepsTheOldTasksUntilTheirContainersStop() {
        String slow = lab.service("slow", 2, "10s");
        lab.start();
        Map<String, LabTask> old = lab.settled(slow, 2);
        String node = lab.lab.docker("info", "-f", "{{.Swarm.NodeID}}").trim();

        long drain = System.currentTimeMillis();
        try {
            lab.lab.docker("node", "update", "--availability", "drain", node);
            Awaitility.await("old tasks told to stop").atMost(BOUND).until(() -> lab.lab.tasks(slow).values().stream()
                    .filter(t -> old.containsKey(t.id())).noneMatch(t -> t.desired().equals("running")));
        } finally {
            lab.lab.docker("node", "update", "--availability", "active", node);
        }
        assertOldTasksServeUntilReplaced("node drained, then active again", drain, drain, "drain", false, slow, old,
                null, Map.of());
    }

    /** Whether Swarm told the old tasks to stop within 5 s of the thaw (it does within a second when it does). */
    private boolean rescheduled(String service, Set<String> oldIds, long thaw) {
        // Polled, not waited on: whether Swarm reschedules after a freeze is the question, not a given.
        try {
            org.awaitility.Awaitility.await().pollInterval(java.time.Duration.ofMillis(200))
                    .atMost(java.time.Duration.ofMillis(Math.max(1, 5000 - (System.currentTimeMillis() - thaw))))
                    .until(() -> lab.lab.tasks(service).values().stream()
                            .anyMatch(t -> oldIds.contains(t.id()) && !t.desired().equals("running")));
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * The rule seen from outside: for {@code slow}, never fewer than 2 endpoints while an old
     * container runs, the old ones marked as fallbacks; they leave soon after both replacements
     * run if that comes first ({@code overlap}: before their containers stop), else soon after
     * their containers stop. For {@code fast} (optional), an old endpoint leaves only once its
     * container stopped or the replacements run.
     */
    private void assertOldTasksServeUntilReplaced(String what, long from, long zero, String zeroName, boolean overlap,
                                                  String slow, Map<String, LabTask> slowOld, String fast,
                                                  Map<String, LabTask> fastOld) {
        Set<String> slowOldAddresses = addresses(slowOld);
        lab.recorder.await(Duration.ofSeconds(60), "replacements in", s -> s.endpoints(slow).size() == 2
                && s.fallbacks(slow).isEmpty() && Collections.disjoint(SnapshotRecorder.addresses(s, slow), slowOldAddresses)
                && (fast == null || s.endpoints(fast).size() == 2 && s.fallbacks(fast).isEmpty()
                        && Collections.disjoint(SnapshotRecorder.addresses(s, fast), addresses(fastOld))));
        Awaitility.await("old slow containers stopped").atMost(BOUND).until(() -> lab.lab.tasks(slow).values().stream()
                .filter(t -> slowOld.containsKey(t.id())).noneMatch(t -> t.state().equals("running")));
        Map<String, LabTask> slowAfter = lab.lab.tasks(slow);
        Map<String, LabTask> fastAfter = fast == null ? Map.of() : lab.lab.tasks(fast);
        List<Received> during = lab.since(from);
        Set<String> oldIds = new HashSet<>(slowOld.keySet());
        oldIds.addAll(fastOld.keySet());
        Map<String, LabTask> all = new HashMap<>(slowAfter);
        all.putAll(fastAfter);
        System.out.println(LabDiscovery.timeline(what, zero, zeroName, during,
                fast == null ? List.of(slow) : List.of(slow, fast), all, oldIds));

        for (String id : slowOld.keySet()) {
            assertThat(slowAfter.get(id).desired()).as("old task %s", id).isEqualTo("shutdown");
        }
        List<LabTask> replacements = slowAfter.values().stream().filter(LabTask::running).collect(Collectors.toList());
        assertThat(replacements).hasSize(2).noneMatch(t -> slowOld.containsKey(t.id()));
        long replaced = replacements.stream().mapToLong(t -> t.timestamp().toEpochMilli()).max().orElseThrow();
        long oldStopped = slowOld.keySet().stream().mapToLong(id -> slowAfter.get(id).timestamp().toEpochMilli()).min()
                .orElseThrow();
        long oldLeft = during.stream().filter(r -> Collections.disjoint(SnapshotRecorder.addresses(r.snapshot(), slow),
                slowOldAddresses)).mapToLong(Received::atMillis).min().orElseThrow();
        System.out.printf("MBB %s: slow replacements running at %+d ms, old endpoints all gone at %+d ms, first old"
                + " container stopped at %+d ms (from the %s)%n", what, replaced - zero, oldLeft - zero, oldStopped - zero,
                zeroName);

        assertThat(during).as("the old tasks as fallbacks")
                .anySatisfy(r -> assertThat(r.snapshot().fallbacks(slow)).hasSize(2));
        if (overlap) {
            assertThat(during).allSatisfy(r -> assertThat(r.snapshot().endpoints(slow)).hasSize(2));
            assertThat(oldLeft - replaced).as("the old endpoints leave soon after the replacements run")
                    .isBetween(0L, 2000L);
            assertThat(oldLeft).as("and before their containers stop").isLessThan(oldStopped);
        } else {
            assertThat(during).filteredOn(r -> r.atMillis() < oldStopped)
                    .allSatisfy(r -> assertThat(r.snapshot().endpoints(slow)).hasSize(2));
            for (LabTask t : slowOld.values()) {
                long stopped = slowAfter.get(t.id()).timestamp().toEpochMilli();
                long gone = firstWithout(during, slow, t.address());
                assertThat(gone - stopped).as("%s left the snapshot soon after its container stopped", t.address())
                        .isBetween(0L, 2000L);
            }
        }
        for (LabTask t : fastOld.values()) {
            long gone = firstWithout(during, fast, t.address());
            long stopped = fastAfter.get(t.id()).timestamp().toEpochMilli();
            Received at = during.stream().filter(r -> r.atMillis() == gone).findFirst().orElseThrow();
            assertThat(gone >= stopped || at.snapshot().readyEndpoints(fast).size() == 2)
                    .as("%s left at %+d ms, its container stopped at %+d ms", t.address(), gone - zero, stopped - zero)
                    .isTrue();
        }
    }
}
