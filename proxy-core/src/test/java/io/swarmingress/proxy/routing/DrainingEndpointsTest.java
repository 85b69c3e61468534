package io.swarmingress.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;

/**
 * A service remembers, table after table, the endpoints that left it while serving requests (what
 * the dashboard shows as draining), and forgets each at the first table built after its last
 * request ended; an endpoint that left idle is not remembered at all.
 */
class DrainingEndpointsTest {
    private static final HostPort A = new HostPort("10.0.0.1", 80);
    private static final HostPort B = new HostPort("10.0.0.2", 80);
    private static final HostPort C = new HostPort("10.0.0.3", 80);
    private final IngressMetrics metrics = new IngressMetrics();
    private final IngressConfig config = new ConfigParser().parse("""
            entrypoints: [{name: web, address: '127.0.0.1:0'}]
            routes: [{entrypoint: web, service: app}]
            services: [{name: app, swarm: {service: app, port: 80}}]
            swarm: {endpoints: ['unix:///var/run/docker.sock'], network: net}
            """, "draining.yaml");

    @AfterEach
    void close() {
        metrics.close();
    }

    private RoutingTable table(RoutingTable previous, HostPort... endpoints) {
        return RoutingTable.build(config, Map.of("app", List.of(endpoints)), previous, metrics, Clock.systemUTC());
    }

    @Test
    void anEndpointThatLeftWithRequestsInFlightIsListedUntilATableAfterItsLastRequest() {
        RoutingTable first = table(null, A, B, C);
        Endpoint a = first.service("app").endpoints().get(0);
        Endpoint b = first.service("app").endpoints().get(1);
        a.acquire();
        a.acquire();

        RoutingTable second = table(first, C);
        assertThat(second.service("app").draining()).as("A left busy, B left idle").containsExactly(a);
        assertThat(a.removed()).isTrue();
        assertThat(a.state(0)).isEqualTo("draining");
        assertThat(b.removed()).isTrue();

        a.release();
        RoutingTable third = table(second, C);
        assertThat(third.service("app").draining()).as("one request still in flight").containsExactly(a);

        a.release();
        assertThat(table(third, C).service("app").draining()).isEmpty();
    }

    @Test
    void anEndpointThatStaysIsNeverDraining() {
        RoutingTable first = table(null, A, B);
        Endpoint a = first.service("app").endpoints().get(0);
        a.acquire();
        RoutingTable second = table(first, A);
        assertThat(second.service("app").endpoints()).containsExactly(a);
        assertThat(second.service("app").draining()).isEmpty();
        a.release();
    }
}
