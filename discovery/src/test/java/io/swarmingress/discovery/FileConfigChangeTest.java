package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.config.ClientLimits;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.Timeouts;

/**
 * A new config file with the same {@code swarm:} section, handed to running discovery against the
 * real lab: what the file says about routes and services takes effect at once, discovery keeps
 * running.
 */
class FileConfigChangeTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private SwarmLab lab;
    private String prefix;
    private final SnapshotRecorder recorder = new SnapshotRecorder();
    private SwarmDiscovery discovery;

    @BeforeEach
    void lab() {
        lab = SwarmLab.get();
        prefix = SwarmLab.uniqueName("c") + ".";
    }

    @AfterEach
    void cleanup() {
        if (discovery != null) {
            discovery.close();
        }
        if (lab != null) {
            lab.cleanup();
        }
    }

    private SwarmProviderConfig provider() {
        return new SwarmProviderConfig(List.of(lab.endpoint()), null, prefix, true, SwarmLab.NETWORK, "web",
                Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(3), Location.NONE);
    }

    private IngressConfig file(SwarmProviderConfig provider, List<RouteConfig> routes, ServiceConfig... swarmServices) {
        List<ServiceConfig> services = new ArrayList<>(List.of(swarmServices));
        services.add(ServiceConfig.of("static", LbPolicy.ROUND_ROBIN, List.of(new HostPort("127.0.0.1", 9000))));
        return new IngressConfig(List.of(new EntrypointConfig("web", new HostPort("127.0.0.1", 0), Protocol.HTTP, null,
                ClientLimits.DEFAULT, false, Location.NONE)), routes, services, null, 1,
                IngressConfig.DEFAULT_SHUTDOWN_GRACE, Location.NONE, provider);
    }

    @Test
    void aLabelRouteTheOldFileOverruledIsPublishedAsSoonAsTheNewFileDropsItsRoute() throws Exception {
        String name = SwarmLab.uniqueName("clash");
        String host = name + ".example.com";
        lab.createService(name, 2, prefix + "enable=true", prefix + "port=8080", prefix + "http.host=" + host);
        RouteConfig fileRoute = new RouteConfig("web", host, "/", Map.of(), false, "static", Location.NONE);
        discovery = SwarmDiscovery.forConfig(file(provider(), List.of(fileRoute)), recorder, DiscoveryObserver.NOOP);
        discovery.start();
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        assertThat(recorder.latest().routes()).isEmpty();
        assertThat(recorder.latest().warnings()).anySatisfy(w -> assertThat(w).contains("(the file wins)"));

        DiscoverySnapshot applied = discovery.applyFileConfig(file(provider(), List.of())).get(5, TimeUnit.SECONDS);

        assertThat(applied.routes()).containsExactly(new RouteConfig("web", host, "/", Map.of(), false, name,
                Location.of("swarm service " + name + " labels")));
        assertThat(applied.warnings()).isEmpty();
        assertThat(recorder.latest().routes()).isEqualTo(applied.routes());
        assertThat(discovery.current()).isSameAs(applied);

        // and discovery goes on: a scale still arrives
        lab.scale(name, 3);
        recorder.await(BOUND, "3 endpoints", s -> s.endpoints(name).size() == 3 && !s.routes().isEmpty());
    }

    @Test
    void aSwarmServiceTheNewFileNamesGetsItsEndpoints() throws Exception {
        String name = SwarmLab.uniqueName("named");
        lab.createService(name, 2);
        discovery = SwarmDiscovery.forConfig(file(provider(), List.of()), recorder, DiscoveryObserver.NOOP);
        discovery.start();
        discovery.firstSync().get(BOUND.toSeconds(), TimeUnit.SECONDS);

        ServiceConfig backend = new ServiceConfig("backend", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef(name, 8080, SwarmLab.NETWORK), Location.NONE);
        discovery.applyFileConfig(file(provider(), List.of(), backend));

        recorder.await(BOUND, "2 endpoints for backend", s -> s.endpoints("backend").size() == 2);
        assertThat(SnapshotRecorder.addresses(recorder.latest(), "backend")).isEqualTo(lab.runningAddresses(name));
    }

    @Test
    void anotherSwarmSectionIsRefusedButTheSameOneWrittenElsewhereIsNot() {
        discovery = SwarmDiscovery.forConfig(file(provider(), List.of()), recorder, DiscoveryObserver.NOOP);
        SwarmProviderConfig moved = new SwarmProviderConfig(List.of(lab.endpoint()), null, prefix, true,
                SwarmLab.NETWORK, "web", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(3),
                new Location("ingress.yaml", 40, Map.of("endpoints", 41)));
        assertThat(discovery.applyFileConfig(file(moved, List.of()))).isNotNull();
        assertThatThrownBy(() -> discovery.applyFileConfig(file(provider().withNetwork("othernet"), List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("swarm: section changed");
    }
}
