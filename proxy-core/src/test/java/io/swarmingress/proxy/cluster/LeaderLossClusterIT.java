package io.swarmingress.proxy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three managers, a proxy on each reading its own manager's socket: every process of the leader
 * is killed under load to all three nodes. Meanwhile the other managers elect a new leader and
 * their API hangs; the proxies keep serving from the endpoints they have (deadlines, not stalls),
 * and their discovery reads Swarm again once the new leader answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaderLossClusterIT {
    private static final String APP = "app";
    private Cluster cluster;

    @BeforeAll
    void deploy() throws Exception {
        cluster = Cluster.up(3);
        cluster.demo(APP, "app.test", List.of(1, 2, 3));
        long ms = cluster.deploy(false);
        System.out.printf("leader loss: docker stack deploy -> every node's proxy healthy: %d ms%n", ms);
        cluster.await("every proxy has the three endpoints", Duration.ofSeconds(30), () ->
                cluster.endpoints(1, APP).size() == 3 && cluster.endpoints(2, APP).size() == 3
                        && cluster.endpoints(3, APP).size() == 3);
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingTheLeaderKeepsEveryProxyServingAndDiscoveryResumesOnTheNewLeader() throws Exception {
        int leader = cluster.leader();
        List<Integer> others = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            if (n != leader) {
                others.add(n);
                assertThat(cluster.discovery(n).path("source").asText()).isEqualTo("docker");
            }
        }
        cluster.useManager(others.get(0));
        LoadFigures f = LoadFigures.around(cluster, leader, "leader node" + leader + " lost");
        Instant killedAt = Instant.ofEpochMilli(f.killedAtMillis());

        long[] resumedAfterMs = new long[4];
        cluster.await("discovery reads Swarm again on both other managers", Duration.ofSeconds(60), () -> {
            boolean all = true;
            for (int n : others) {
                String last = cluster.discovery(n).path("last_success").asText(null);
                if (last != null && Instant.parse(last).isAfter(killedAt)) {
                    if (resumedAfterMs[n] == 0) {
                        resumedAfterMs[n] = Duration.between(killedAt, Instant.parse(last)).toMillis();
                    }
                } else {
                    all = false;
                }
            }
            return all;
        });
        cluster.await("Swarm marks node" + leader + " down", Duration.ofSeconds(90), () ->
                cluster.docker(others.get(0), "node", "ls", "--format", "{{.Hostname}} {{.Status}}")
                        .contains("node" + leader + " Down"));
        // A service created after the election reaches both proxies: their discovery works again.
        cluster.demo("late", "late.test", others);
        cluster.await("the new service in both proxies' tables", Duration.ofSeconds(30), () ->
                cluster.endpoints(others.get(0), "late").size() == 2 && cluster.endpoints(others.get(1), "late").size() == 2);
        for (int n : others) {
            assertThat(cluster.get(n, "late.test")).as("late.test through node%d", n).startsWith("200 ");
        }
        System.out.printf("leader loss: discovery's first successful read after the kill: node%d %d ms, node%d %d ms%n",
                others.get(0), resumedAfterMs[others.get(0)], others.get(1), resumedAfterMs[others.get(1)]);

        assertThat(f.stats().failed()).as("failed requests: %s", f.stats().firstFailures()).isZero();
        assertThat(f.worst()).as("worst 5 s after the loss vs %.0f/5 s steady", f.steady() * 5)
                .isGreaterThanOrEqualTo(Math.round(f.steady() * 5 / 2));
    }
}
