package io.swarmingress.discovery;

import static io.swarmingress.discovery.LabDiscovery.BOUND;
import static io.swarmingress.discovery.LabDiscovery.addresses;
import static io.swarmingress.discovery.LabDiscovery.firstWithout;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.discovery.SnapshotRecorder.Received;
import io.swarmingress.discovery.SwarmLab.LabTask;

/**
 * Make before break on the real Swarm of {@code bench/swarm/lab.sh}, for the changes a user
 * makes: a task Swarm told to stop stays an endpoint (a fallback) while its container runs and the
 * service has fewer ready tasks than it wants; where the remaining ready tasks suffice it leaves
 * at once. Node-level reschedules are in {@link RescheduleTest}. Timelines are printed (MBB lines).
 */
class MakeBeforeBreakTest {
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

    @Test
    void aStopFirstUpdateKeepsEachOldTaskUntilItsContainerStops() {
        String name = lab.service("upd", 2, "1s");
        lab.start();
        Map<String, LabTask> old = lab.settled(name, 2);
        Set<String> oldAddresses = addresses(old);

        long command = System.currentTimeMillis();
        lab.lab.docker("service", "update", "-d", "--update-order", "stop-first", "--force", name);
        lab.recorder.await(BOUND, "both slots replaced", s -> s.endpoints(name).size() == 2
                && s.fallbacks(name).isEmpty() && Collections.disjoint(SnapshotRecorder.addresses(s, name), oldAddresses));
        Map<String, LabTask> after = lab.lab.tasks(name);
        List<Received> during = lab.since(command);
        System.out.println(LabDiscovery.timeline("stop-first update of 2 replicas", command, "update", during,
                List.of(name), after, old.keySet()));

        long firstStop = Long.MAX_VALUE;
        for (LabTask t : old.values()) {
            LabTask now = after.get(t.id());
            assertThat(now.state()).as("old task %s", t.id()).isNotEqualTo("running");
            long stopped = now.timestamp().toEpochMilli();
            firstStop = Math.min(firstStop, stopped);
            long gone = firstWithout(during, name, t.address());
            assertThat(gone).as("%s left the snapshot only after its container stopped", t.address())
                    .isGreaterThanOrEqualTo(stopped);
            assertThat(gone - stopped).as("and soon after").isLessThan(2000);
        }
        long bothRan = firstStop;
        assertThat(during).filteredOn(r -> r.atMillis() < bothRan).as("snapshots while both old tasks ran").isNotEmpty()
                .allSatisfy(r -> assertThat(r.snapshot().endpoints(name)).hasSize(2));
        assertThat(during).as("an old task marked as a fallback")
                .anySatisfy(r -> assertThat(r.snapshot().fallbacks(name)).isNotEmpty());
        assertThat(during).allSatisfy(r -> assertThat(r.snapshot().endpoints(name)).isNotEmpty());
    }

    @Test
    void aScaleDownRemovesTheTasksToldToGoAtOnce() {
        String name = lab.service("down", 3, "1s");
        lab.start();
        Set<String> before = addresses(lab.settled(name, 3));

        long command = System.currentTimeMillis();
        lab.lab.scale(name, 1);
        Received one = lab.recorder.await(BOUND, "1 endpoint", s -> s.endpoints(name).size() == 1);
        long stillRunning = lab.lab.tasks(name).values().stream().filter(t -> t.state().equals("running")).count();
        System.out.printf("MBB scale 3->1: command -> snapshot with 1 endpoint %d ms; tasks whose status was still"
                + " running just after: %d%n", one.atMillis() - command, stillRunning);
        assertThat(one.atMillis() - command).isLessThan(2000);
        assertThat(before).contains(SnapshotRecorder.addresses(one.snapshot(), name).get(0));
        assertThat(lab.since(command)).allSatisfy(r -> {
            assertThat(r.snapshot().fallbacks(name)).isEmpty();
            assertThat(r.snapshot().endpoints(name)).isNotEmpty();
        });
    }
}
