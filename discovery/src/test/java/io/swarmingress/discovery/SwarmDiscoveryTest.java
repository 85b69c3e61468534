package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.swarmingress.config.HostPort;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.Timeouts;
import io.swarmingress.discovery.SnapshotRecorder.Received;
import io.swarmingress.discovery.SwarmLab.LabTask;

/**
 * Discovery against the real Swarm of {@code bench/swarm/lab.sh}. Each test uses its own label
 * prefix, so that it sees only the services it created even though the lab is shared.
 */
class SwarmDiscoveryTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private SwarmLab lab;
    private String prefix;
    private final SnapshotRecorder recorder = new SnapshotRecorder();
    private final DiscoveryCounters counters = new DiscoveryCounters();
    private SwarmDiscovery discovery;

    @BeforeEach
    void lab() {
        lab = SwarmLab.get();
        prefix = SwarmLab.uniqueName("t") + ".";
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

    private void start(List<ServiceConfig> fileServices) {
        discovery = new SwarmDiscovery(provider(), fileServices, recorder, counters);
        discovery.start();
    }

    private String[] labels(String... more) {
        List<String> out = new ArrayList<>(List.of(prefix + "enable=true", prefix + "port=8080"));
        for (String m : more) {
            out.add(prefix + m);
        }
        return out.toArray(String[]::new);
    }

    @Test
    void aLabelledServiceWithThreeReplicasGivesThreeEndpointsAServiceAndARoute() {
        String name = SwarmLab.uniqueName("three");
        lab.createService(name, 3, labels("http.host=" + name + ".example.com", "http.path=/app", "lb=least_conn"));
        start(List.of());

        recorder.await(BOUND, "3 endpoints", s -> s.endpoints(name).size() == 3);
        DiscoverySnapshot s = recorder.latest();
        assertThat(SnapshotRecorder.addresses(s, name)).isEqualTo(lab.runningAddresses(name));
        assertThat(s.endpoints(name)).allSatisfy(h -> assertThat(h.port()).isEqualTo(8080));
        assertThat(s.services()).containsExactly(new ServiceConfig(name, LbPolicy.LEAST_CONN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef(name, 8080, SwarmLab.NETWORK), Location.of("swarm service " + name + " labels")));
        assertThat(s.routes()).containsExactly(new RouteConfig("web", name + ".example.com", "/app", Map.of(), false, name,
                Location.of("swarm service " + name + " labels")));
        assertThat(s.warnings()).isEmpty();
        assertThat(s.lastSuccess()).isNotNull();
        assertThat(counters.syncs(true)).isPositive();
        assertThat(counters.syncs(false)).isZero();
        assertThat(counters.events()).containsKey("container"); // the tasks started after discovery did
        assertThat(counters.lastSuccessEpochSeconds()).isCloseTo(System.currentTimeMillis() / 1000.0,
                org.assertj.core.data.Offset.offset(30.0));

        // nothing changes: re-reads publish nothing. Reads end on the one discovery thread, in turn, so once
        // the second has ended the first one's publishing (or not) is over.
        int published = recorder.count();
        Instant first = resyncAndAwait(s.lastSuccess());
        resyncAndAwait(first);
        assertThat(recorder.count()).as("snapshots published without a change").isEqualTo(published);
    }

    @Test
    void aTaskWhoseHealthcheckHasNotPassedIsNoEndpointUntilItDoes() {
        String name = SwarmLab.uniqueName("health");
        // Its first eight checks fail, a second apart: Swarm reports the task "starting", not "running",
        // until one passes (a service's HEALTHCHECK is how its owner says when a task can take traffic).
        lab.createService(name, 1, List.of("--stop-grace-period", "1s", "--health-interval", "1s", "--health-retries", "60",
                "--health-cmd", "n=$(cat /tmp/n 2>/dev/null || echo 0); echo $((n+1)) > /tmp/n; test $n -ge 8"),
                labels("http.host=" + name + ".example.com"));
        start(List.of());
        Awaitility.await("the task started, not yet healthy").atMost(BOUND)
                .until(() -> lab.tasks(name).values().stream().anyMatch(t -> t.state().equals("starting")));
        discovery.firstSync().join();
        resyncAndAwait(discovery.lastSuccess());
        assertThat(lab.tasks(name).values()).as("still starting after the re-read").anyMatch(t -> t.state().equals("starting"));
        DiscoverySnapshot latest = recorder.latest();
        assertThat(latest == null ? List.of() : latest.endpoints(name)).as("no endpoint while the healthcheck fails").isEmpty();

        recorder.await(BOUND, "the endpoint once healthy", s -> s.endpoints(name).size() == 1);
        assertThat(SnapshotRecorder.addresses(recorder.latest(), name)).isEqualTo(lab.runningAddresses(name));
    }

    /** Asks for a full re-read and waits until one has succeeded after {@code after}; returns when. */
    private Instant resyncAndAwait(Instant after) {
        discovery.resync();
        Awaitility.await("a successful re-read").atMost(BOUND).until(() -> discovery.lastSuccess().isAfter(after));
        return discovery.lastSuccess();
    }

    @Test
    void scalingIsReflectedWithinASecondOfEachTaskStateChange() {
        String name = SwarmLab.uniqueName("scale");
        lab.createService(name, 3, labels("http.host=" + name + ".example.com"));
        start(List.of());
        recorder.await(BOUND, "3 endpoints", s -> s.endpoints(name).size() == 3);
        recorder.await(BOUND, "3 running tasks", s -> SnapshotRecorder.addresses(s, name).equals(lab.runningAddresses(name)));
        Set<String> before = new HashSet<>(SnapshotRecorder.addresses(recorder.latest(), name));

        // 3 -> 5: each new task is in a snapshot soon after Swarm reports it running
        long upCommand = System.currentTimeMillis();
        lab.scale(name, 5);
        Received five = recorder.await(BOUND, "5 endpoints", s -> s.endpoints(name).size() == 5);
        List<Long> up = new ArrayList<>();
        for (LabTask t : lab.tasks(name).values()) {
            if (t.running() && !before.contains(t.address())) {
                long seen = firstArrivalWith(name, t.address(), upCommand);
                up.add(seen - t.timestamp().toEpochMilli());
            }
        }
        System.out.printf("PROPAGATION scale 3->5: task running -> snapshot %s ms; scale command -> snapshot %d ms%n",
                up, five.atMillis() - upCommand);
        assertThat(up).hasSize(2).allSatisfy(ms -> assertThat(ms).isLessThan(2000));

        // 5 -> 1: removed tasks leave the snapshot as soon as Swarm stops meaning to run them
        Set<String> five5 = new HashSet<>(SnapshotRecorder.addresses(recorder.latest(), name));
        long downCommand = System.currentTimeMillis();
        lab.scale(name, 1);
        Received one = recorder.await(BOUND, "1 endpoint", s -> s.endpoints(name).size() == 1);
        String kept = recorder.latest().endpoints(name).get(0).host();
        org.awaitility.Awaitility.await("removed tasks stopped").atMost(BOUND).until(() ->
                lab.tasks(name).values().stream().filter(LabTask::running).count() == 1);
        List<Long> down = new ArrayList<>();
        for (LabTask t : lab.tasks(name).values()) {
            if (five5.contains(t.address()) && !t.address().equals(kept) && !t.running()) {
                long gone = firstArrivalWithout(name, t.address(), downCommand);
                down.add(gone - t.timestamp().toEpochMilli());
            }
        }
        System.out.printf("PROPAGATION scale 5->1: task left running -> snapshot %s ms (negative: removed before the task"
                + " stopped); scale command -> snapshot %d ms%n", down, one.atMillis() - downCommand);
        assertThat(down).hasSize(4).allSatisfy(ms -> assertThat(ms).isLessThan(2000));
        assertThat(recorder.all()).filteredOn(r -> r.atMillis() >= upCommand)
                .allSatisfy(r -> assertThat(r.snapshot().endpoints(name)).isNotEmpty());
    }

    @Test
    void aRemovedServiceLosesItsEndpointsAndRoutes() {
        String name = SwarmLab.uniqueName("rm");
        lab.createService(name, 2, labels("http.host=" + name + ".example.com"));
        start(List.of());
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        assertThat(recorder.latest().routes()).extracting(RouteConfig::service).containsExactly(name);

        long command = System.currentTimeMillis();
        lab.removeService(name);
        Received gone = recorder.await(BOUND, "service gone", s -> !s.endpoints().containsKey(name));
        System.out.printf("PROPAGATION service rm -> snapshot without it %d ms%n", gone.atMillis() - command);
        assertThat(gone.snapshot().routes()).isEmpty();
        assertThat(gone.snapshot().services()).isEmpty();
    }

    @Test
    void aLabelAddedToARunningServiceBecomesARouteWithoutRestart() {
        String name = SwarmLab.uniqueName("label");
        lab.createService(name, 2, labels());
        start(List.of());
        recorder.await(BOUND, "2 endpoints", s -> s.endpoints(name).size() == 2);
        assertThat(recorder.latest().routes()).isEmpty();
        List<HostPort> endpoints = recorder.latest().endpoints(name);

        long command = System.currentTimeMillis();
        lab.docker("service", "update", "-d", "--label-add", prefix + "http.host=" + name + ".example.com", name);
        Received routed = recorder.await(BOUND, "a route", s -> !s.routes().isEmpty());
        System.out.printf("PROPAGATION label-add -> route %d ms%n", routed.atMillis() - command);
        assertThat(routed.snapshot().routes()).containsExactly(new RouteConfig("web", name + ".example.com", "/", Map.of(),
                false, name, Location.of("swarm service " + name + " labels")));
        assertThat(routed.snapshot().endpoints(name)).isEqualTo(endpoints);
    }

    @Test
    void aServiceNamedByTheConfigFileIsDiscoveredWithoutLabels() {
        String name = SwarmLab.uniqueName("file");
        lab.createService(name, 2);
        ServiceConfig backend = new ServiceConfig("backend", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef(name, 8080, SwarmLab.NETWORK), Location.NONE);
        ServiceConfig missing = new ServiceConfig("missing", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef(name + "-nope", 8080, null), Location.NONE);
        start(List.of(backend, missing, ServiceConfig.of("static", LbPolicy.ROUND_ROBIN,
                List.of(new HostPort("127.0.0.1", 8081)))));

        recorder.await(BOUND, "2 endpoints for backend", s -> s.endpoints("backend").size() == 2);
        DiscoverySnapshot s = recorder.latest();
        assertThat(SnapshotRecorder.addresses(s, "backend")).isEqualTo(lab.runningAddresses(name));
        assertThat(s.endpoints()).containsOnlyKeys("backend", "missing");
        assertThat(s.endpoints("missing")).isEmpty();
        assertThat(s.warnings()).containsExactly("service 'missing': Swarm service '" + name + "-nope' does not exist");
        assertThat(s.services()).isEmpty();
        assertThat(s.routes()).isEmpty();
    }

    private long firstArrivalWith(String service, String address, long after) {
        for (Received r : recorder.all()) {
            if (r.atMillis() >= after && SnapshotRecorder.addresses(r.snapshot(), service).contains(address)) {
                return r.atMillis();
            }
        }
        throw new AssertionError(address + " never appeared");
    }

    private long firstArrivalWithout(String service, String address, long after) {
        for (Received r : recorder.all()) {
            if (r.atMillis() >= after && !SnapshotRecorder.addresses(r.snapshot(), service).contains(address)) {
                return r.atMillis();
            }
        }
        throw new AssertionError(address + " never left");
    }
}
