package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.discovery.TaskRef;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * A draining endpoint keeps the task discovery last named for it (discovery forgets a task as soon
 * as Swarm stops it); an address that left the table, draining done, is forgotten; discovery's
 * word wins for an address a new task took over.
 */
class KnownTasksTest {
    private static final HostPort A = new HostPort("10.0.0.1", 80);
    private static final HostPort B = new HostPort("10.0.0.2", 80);
    private static final TaskRef TASK_A = new TaskRef("task-a", "node-1");
    private static final TaskRef TASK_B = new TaskRef("task-b", "node-2");
    private final IngressMetrics metrics = new IngressMetrics();
    private final IngressConfig config = new ConfigParser().parse("""
            entrypoints: [{name: web, address: '127.0.0.1:0'}]
            routes: [{entrypoint: web, service: app}]
            services: [{name: app, swarm: {service: app, port: 80}}]
            swarm: {endpoints: ['unix:///var/run/docker.sock'], network: net}
            """, "known.yaml");
    private final KnownTasks known = new KnownTasks();

    @AfterEach
    void close() {
        metrics.close();
    }

    private RoutingTable table(RoutingTable previous, HostPort... endpoints) {
        return RoutingTable.build(config, Map.of("app", List.of(endpoints)), previous, metrics, Clock.systemUTC());
    }

    private static DiscoverySnapshot snapshot(Map<HostPort, TaskRef> tasks, HostPort... endpoints) {
        return new DiscoverySnapshot(Map.of("app", List.of(endpoints)), Map.of(), List.of(), List.of(), List.of(), Instant.EPOCH,
                tasks, Map.of());
    }

    @Test
    void aDrainingEndpointKeepsItsTaskUntilItLeavesTheTable() {
        RoutingTable first = table(null, A, B);
        known.remember(first, snapshot(Map.of(A, TASK_A, B, TASK_B), A, B));
        Endpoint a = first.service("app").endpoints().get(0);
        a.acquire();

        RoutingTable second = table(first, B);
        DiscoverySnapshot withoutA = snapshot(Map.of(B, TASK_B), B);
        known.remember(second, withoutA);
        assertThat(second.service("app").draining()).containsExactly(a);
        assertThat(known.task(withoutA, A)).as("draining: the task last seen").isEqualTo(TASK_A);
        assertThat(known.task(withoutA, B)).isEqualTo(TASK_B);

        a.release();
        RoutingTable third = table(second, B);
        known.remember(third, withoutA);
        assertThat(known.task(withoutA, A)).as("drained and gone from the table").isNull();
        assertThat(known.size()).isEqualTo(1);
    }

    @Test
    void discoveryWinsForAnAddressANewTaskTookOver() {
        RoutingTable table = table(null, A);
        known.remember(table, snapshot(Map.of(A, TASK_A), A));
        TaskRef successor = new TaskRef("task-a2", "node-3");
        assertThat(known.task(snapshot(Map.of(A, successor), A), A)).isEqualTo(successor);
    }
}
