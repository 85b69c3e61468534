package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.Balancing;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HashOn;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.LbPolicy;
import io.swarmingress.config.Location;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.StickySessions;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.SwarmServiceRef;
import io.swarmingress.config.Timeouts;
import io.swarmingress.config.WeightedService;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/** The rules that turn Swarm state into a snapshot, on hand-made state (no swarm needed). */
class SnapshotBuilderTest {
    private static final Instant NOW = Instant.parse("2026-11-28T07:00:00Z");
    private final SwarmProviderConfig provider = SwarmProviderConfig.of(List.of()).withEntrypoint("web");

    private static SwarmTask task(String id, String state, String desired, Attachment... attachments) {
        return new SwarmTask(id, state, desired, null, List.of(attachments));
    }

    private static Attachment on(String network, String address) {
        return new Attachment("id-" + network, network, false, List.of(address));
    }

    /** A replicated service that wants as many replicas as it has tasks meant to run. */
    private static SwarmService service(String name, Map<String, String> labels, SwarmTask... tasks) {
        return new SwarmService("id-" + name, name, labels,
                java.util.Arrays.stream(tasks).filter(SwarmTask::meantToRun).count(), false, List.of(tasks), 1);
    }

    private static Map<String, String> routed(String... more) {
        Map<String, String> labels = new java.util.HashMap<>(Map.of("ingress.enable", "true", "ingress.port", "8080"));
        for (int i = 0; i < more.length; i += 2) {
            labels.put(more[i], more[i + 1]);
        }
        return labels;
    }

    @Test
    void onlyRunningTasksOnTheChosenNetworkWithThePrefixLengthStripped() {
        SwarmService web = new SwarmService("id-web", "web",
                routed("ingress.network", "appnet", "ingress.http.host", "web.example.com"), 2, false, List.of(
                task("a", "running", "running", on("appnet", "10.0.1.10/24"), on("other", "10.0.9.3/24")),
                task("b", "running", "running", on("appnet", "10.0.1.9/24"),
                        new Attachment("ing", "ingress", true, List.of("10.255.0.4/16"))),
                task("c", "starting", "running", on("appnet", "10.0.1.11/24")),
                // told to stop and still running, but the two ready tasks are all the service wants
                task("d", "running", "shutdown", on("appnet", "10.0.1.12/24"))), 1);
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(web), NOW);
        assertThat(s.endpoints()).containsExactly(Map.entry("web",
                List.of(new HostPort("10.0.1.9", 8080), new HostPort("10.0.1.10", 8080))));
        assertThat(s.fallbacks()).isEmpty();
        assertThat(s.services()).containsExactly(new ServiceConfig("web", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef("web", 8080, "appnet"), Location.of("swarm service web labels")));
        assertThat(s.routes()).containsExactly(new RouteConfig("web", "web.example.com", "/", Map.of(), false, "web",
                Location.of("swarm service web labels")));
        assertThat(s.warnings()).isEmpty();
        assertThat(s.lastSuccess()).isEqualTo(NOW);
    }

    @Test
    void aTaskOnSeveralNetworksWithoutAChoiceIsAWarningNeverAGuess() {
        SwarmService web = service("web", routed(),
                task("a", "running", "running", on("appnet", "10.0.1.10/24"), on("dbnet", "10.0.2.10/24")));
        SwarmService solo = service("solo", routed(), task("b", "running", "running", on("appnet", "10.0.1.20/24")));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(web, solo), NOW);
        assertThat(s.endpoints("web")).isEmpty();
        assertThat(s.endpoints("solo")).containsExactly(new HostPort("10.0.1.20", 8080));
        assertThat(s.warnings()).containsExactly("swarm service 'web': its tasks are on several networks [appnet, dbnet]"
                + " and none is chosen: set label ingress.network or swarm.network");
    }

    @Test
    void aChosenNetworkTheTasksAreNotOnIsAWarning() {
        SwarmService web = service("web", routed("ingress.network", "backend"),
                task("a", "running", "running", on("appnet", "10.0.1.10/24")));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(web), NOW);
        assertThat(s.endpoints("web")).isEmpty();
        assertThat(s.warnings()).containsExactly("swarm service 'web': its tasks are not on network 'backend' (they are on"
                + " [appnet])");
    }

    @Test
    void labelProblemsAreWarningsAndTheServiceIsLeftOut() {
        SwarmService noPort = service("noport", Map.of("ingress.enable", "true"));
        SwarmService badLb = service("badlb", routed("ingress.lb", "random"));
        SwarmService badHost = service("badhost", routed("ingress.http.host", "a b"));
        SwarmService off = service("off", Map.of("ingress.enable", "false", "ingress.port", "80"));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(noPort, badLb, badHost, off), NOW);
        assertThat(s.endpoints()).containsOnlyKeys("badhost");
        assertThat(s.routes()).isEmpty();
        assertThat(s.warnings()).containsExactly(
                "swarm service 'badhost': no route: label ingress.http.host 'a b' has the character ' '",
                "swarm service 'badlb': label ingress.lb='random' (expected: round_robin, least_conn, p2c or hash)",
                "swarm service 'noport': label ingress.port is missing (Swarm has no port detection)");
    }

    @Test
    void theFileWinsOverLabelsAndTheFirstNameWinsARouteConflict() {
        ServiceConfig file = new ServiceConfig("api", LbPolicy.ROUND_ROBIN, Timeouts.DEFAULT, List.of(),
                new SwarmServiceRef("api-v2", 9000, "appnet"), Location.NONE);
        SwarmService apiLabelled = service("api", routed("ingress.http.host", "api.example.com"),
                task("a", "running", "running", on("appnet", "10.0.1.2/24")));
        SwarmService apiV2 = service("api-v2", Map.of(), task("b", "running", "running", on("appnet", "10.0.1.3/24")));
        SwarmService alpha = service("alpha", routed("ingress.http.host", "same.example.com"));
        SwarmService beta = service("beta", routed("ingress.http.host", "same.example.com"));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of(file))
                .build(List.of(beta, apiLabelled, apiV2, alpha), NOW);
        assertThat(s.endpoints()).containsOnlyKeys("api", "alpha", "beta");
        assertThat(s.endpoints("api")).containsExactly(new HostPort("10.0.1.3", 9000));
        assertThat(s.routes()).extracting(RouteConfig::service).containsExactly("alpha");
        assertThat(s.warnings()).containsExactly(
                "swarm service 'api': its labels are ignored because the config file declares a service of the same"
                        + " name (the file wins)",
                "swarm service 'beta': no route, because swarm service 'alpha' already routes host same.example.com"
                        + " path / on entrypoint web (the first name in sort order wins)");
    }

    @Test
    void labelRoutesNeverMakeTheMergedConfigInvalid() {
        IngressConfig file = IngressConfig.of(
                List.of(EntrypointConfig.http("web", new HostPort("0.0.0.0", 8080)),
                        EntrypointConfig.tcp("db", new HostPort("0.0.0.0", 5432), "pg")),
                List.of(RouteConfig.of("web", "shop.example.com", "/", "pg")),
                List.of(ServiceConfig.of("pg", LbPolicy.ROUND_ROBIN, List.of(new HostPort("10.0.0.5", 5432)))), null, 1);
        SnapshotBuilder builder = new SnapshotBuilder(provider, file.services(), file.routes(), java.util.Set.of("web"));
        DiscoverySnapshot s = builder.build(List.of(
                service("shop", routed("ingress.http.host", "shop.example.com")),
                service("tcpish", routed("ingress.http.host", "db.example.com", "ingress.entrypoint", "db")),
                service("nowhere", routed("ingress.http.host", "x.example.com", "ingress.entrypoint", "nope")),
                service("api", routed("ingress.http.host", "api.example.com", "ingress.http.path", "/v1",
                        "ingress.http.strip_prefix", "true"))), NOW);
        assertThat(s.routes()).containsExactly(new RouteConfig("web", "api.example.com", "/v1", Map.of(), true, "api",
                Location.of("swarm service api labels")));
        assertThat(s.warnings()).containsExactly(
                "swarm service 'nowhere': no route, because 'nope' is not an http entrypoint of the config",
                "swarm service 'shop': no route, because a route of the config file already matches host"
                        + " shop.example.com path / on entrypoint web (the file wins)",
                "swarm service 'tcpish': no route, because 'db' is not an http entrypoint of the config");

        IngressConfig withSwarm = new IngressConfig(file.entrypoints(), file.routes(), file.services(), null, 1,
                IngressConfig.DEFAULT_SHUTDOWN_GRACE, Location.NONE, provider, java.time.Duration.ofSeconds(5));
        IngressConfig merged = s.mergeInto(withSwarm);
        assertThat(merged.swarm()).isSameAs(provider);
        assertThat(merged.shutdownDelay()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(merged.routes()).hasSize(2);
        assertThat(merged.services()).extracting(ServiceConfig::name).containsExactly("pg", "api", "nowhere", "shop",
                "tcpish");
    }

    @Test
    void aRouteNeedsAnEntrypointFromLabelOrProvider() {
        SwarmService web = service("web", routed("ingress.http.path", "/web"));
        SnapshotBuilder noDefault = new SnapshotBuilder(SwarmProviderConfig.of(List.of()), List.of());
        DiscoverySnapshot s = noDefault.build(List.of(web), NOW);
        assertThat(s.routes()).isEmpty();
        assertThat(s.warnings()).singleElement().asString().contains("neither label ingress.entrypoint");

        SwarmService named = service("web", routed("ingress.http.path", "/web", "ingress.entrypoint", "internal"));
        assertThat(noDefault.build(List.of(named), NOW).routes()).extracting(RouteConfig::entrypoint)
                .containsExactly("internal");
    }

    @Test
    void labelRoutingCanBeSwitchedOffAndThePrefixChanged() {
        SwarmService web = service("web", routed());
        SwarmProviderConfig off = new SwarmProviderConfig(null, null, null, false, null, null, null, null, null, null);
        assertThat(new SnapshotBuilder(off, List.of()).relevant(web)).isFalse();
        SwarmProviderConfig edge = new SwarmProviderConfig(null, null, "edge.", true, null, null, null, null, null, null);
        assertThat(new SnapshotBuilder(edge, List.of()).relevant(web)).isFalse();
        assertThat(new SnapshotBuilder(edge, List.of()).relevant(service("e", Map.of("edge.enable", "true")))).isTrue();
    }

    @Test
    void equalStateGivesAnEqualSnapshotWhateverTheOrder() {
        SwarmService a = service("a", routed(), task("1", "running", "running", on("appnet", "10.0.1.2/24")),
                task("2", "running", "running", on("appnet", "10.0.1.3/24")));
        SwarmService b = service("b", routed(), task("3", "running", "running", on("appnet", "10.0.1.4/24")));
        SwarmService aReordered = service("a", routed(), task("2", "running", "running", on("appnet", "10.0.1.3/24")),
                task("1", "running", "running", on("appnet", "10.0.1.2/24")));
        SnapshotBuilder builder = new SnapshotBuilder(provider, List.of());
        DiscoverySnapshot first = builder.build(List.of(a, b), NOW);
        DiscoverySnapshot second = builder.build(List.of(b, aReordered), NOW.plusSeconds(10));
        assertThat(second.sameContent(first)).isTrue();
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void convergingMeansSwarmIsStillMovingTheService() {
        SwarmTask running = task("1", "running", "running");
        assertThat(new SwarmService("x", "x", Map.of(), 1, false, List.of(running), 1).converging()).isFalse();
        assertThat(new SwarmService("x", "x", Map.of(), 2, false, List.of(running), 1).converging()).isTrue();
        assertThat(new SwarmService("x", "x", Map.of(), 1, true, List.of(running), 1).converging()).isTrue();
        assertThat(new SwarmService("x", "x", Map.of(), -1, false, List.of(task("2", "assigned", "running")), 1)
                .converging()).isTrue();
        assertThat(new SwarmService("x", "x", Map.of(), -1, false, List.of(running, running), 1).converging()).isFalse();
    }

    @Test
    void readsTasksAndServicesFromEngineApiJson() throws Exception {
        String tasks = "[{\"ID\":\"t1\",\"Spec\":{\"ContainerSpec\":{\"Args\":[\"a\",{\"x\":[1]}]}},\"ServiceID\":\"s1\","
                + "\"Status\":{\"Timestamp\":\"2026\",\"State\":\"running\",\"ContainerStatus\":{\"PID\":1}},"
                + "\"DesiredState\":\"running\",\"NetworksAttachments\":[{\"Network\":{\"ID\":\"n1\",\"Spec\":{"
                + "\"Name\":\"ingress\",\"Ingress\":true,\"Labels\":{}}},\"Addresses\":[\"10.255.0.5/16\"]},"
                + "{\"Network\":{\"ID\":\"n2\",\"Spec\":{\"Name\":\"appnet\"}},\"Addresses\":[\"10.0.1.5/24\","
                + "\"fd00::5/64\"]}]},{\"ID\":\"t2\",\"ServiceID\":\"s1\",\"DesiredState\":\"shutdown\"},"
                + "{\"ID\":\"t3\",\"ServiceID\":\"s1\",\"Status\":{\"State\":\"running\"},\"DesiredState\":\"remove\"},"
                + "{\"ID\":\"t4\",\"ServiceID\":\"s1\",\"Status\":{\"State\":\"complete\"},\"DesiredState\":\"shutdown\"}]";
        Map<String, List<SwarmTask>> byService = SwarmJson.tasksByService(stream(tasks));
        assertThat(byService).containsOnlyKeys("s1");
        assertThat(byService.get("s1")).as("finished tasks (history) are dropped").containsExactly(
                new SwarmTask("t1", "running", "running", "2026", List.of(
                        new Attachment("n1", "ingress", true, List.of("10.255.0.5/16")),
                        new Attachment("n2", "appnet", false, List.of("10.0.1.5/24", "fd00::5/64")))),
                new SwarmTask("t3", "running", "remove", null, List.of()));

        String services = "[{\"ID\":\"s1\",\"Spec\":{\"Name\":\"web\",\"Labels\":{\"ingress.enable\":\"true\"},"
                + "\"Mode\":{\"Replicated\":{\"Replicas\":3}}},\"UpdateStatus\":{\"State\":\"updating\"}},"
                + "{\"ID\":\"s2\",\"Spec\":{\"Name\":\"agent\",\"Mode\":{\"Global\":{}}}}]";
        List<SwarmService> parsed = new ArrayList<>(SwarmJson.services(stream(services), 7));
        assertThat(parsed).containsExactly(
                new SwarmService("s1", "web", Map.of("ingress.enable", "true"), 3, true, List.of(), 7),
                new SwarmService("s2", "agent", Map.of(), -1, false, List.of(), 7));
        assertThat(SwarmJson.errorMessage("{\"message\":\"The swarm does not have a leader.\"}"
                .getBytes(StandardCharsets.UTF_8))).isEqualTo("The swarm does not have a leader.");
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void balancingLabelsBecomeTheServicesHashKeyAndStickySessions() {
        SwarmService web = service("web", routed("ingress.http.host", "web.example.com", "ingress.lb", "hash",
                "ingress.hash_on", "header:X-User", "ingress.sticky", "true", "ingress.sticky.cookie", "sid",
                "ingress.sticky.max_age", "1h", "ingress.sticky.secure", "true", "ingress.sticky.same_site", "strict",
                "ingress.sticky.secret", "s3cret"), task("a", "running", "running", on("appnet", "10.0.1.2/24")));
        SwarmService plain = service("plain", routed("ingress.http.host", "plain.example.com", "ingress.lb", "p2c"));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(web, plain), NOW);
        assertThat(s.warnings()).isEmpty();
        ServiceConfig w = s.services().get(1);
        assertThat(w.name()).isEqualTo("web");
        assertThat(w.lb()).isEqualTo(LbPolicy.HASH);
        assertThat(w.balancing().hashOn()).isEqualTo(new HashOn(HashOn.Source.HEADER, "x-user"));
        assertThat(w.balancing().sticky()).isEqualTo(new StickySessions("sid", java.time.Duration.ofHours(1), true, true,
                StickySessions.SameSite.STRICT, "s3cret"));
        ServiceConfig p = s.services().get(0);
        assertThat(p.lb()).isEqualTo(LbPolicy.P2C);
        assertThat(p.balancing()).isEqualTo(Balancing.DEFAULT);
        SwarmService stickyOnly = service("s", routed("ingress.http.host", "s.example.com", "ingress.sticky", "true"));
        assertThat(new SnapshotBuilder(provider, List.of()).build(List.of(stickyOnly), NOW).services().get(0).balancing().sticky()
                .cookie()).as("the default cookie name").isEqualTo("ingress_s");
    }

    @Test
    void twoServicesWithWeightLabelsShareTheirRouteAsACanary() {
        SwarmService stable = service("shop", routed("ingress.http.host", "shop.example.com", "ingress.weight", "90"));
        SwarmService canary = service("shop-next", routed("ingress.http.host", "shop.example.com", "ingress.weight", "10"));
        SwarmService other = service("shop-zz", routed("ingress.http.host", "shop.example.com"));
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(other, canary, stable), NOW);
        assertThat(s.routes()).hasSize(1);
        assertThat(s.routes().get(0).services()).containsExactly(new WeightedService("shop", 90), new WeightedService("shop-next", 10));
        assertThat(s.warnings()).containsExactly("swarm service 'shop-zz': no route, because swarm service 'shop' already routes host"
                + " shop.example.com path / on entrypoint web (the first name in sort order wins)");
        // The merged config is valid and routes both.
        IngressConfig file = new IngressConfig(List.of(EntrypointConfig.http("web", new HostPort("0.0.0.0", 8080))), List.of(),
                List.of(), null, 1, java.time.Duration.ZERO, Location.NONE, provider);
        assertThat(s.mergeInto(file).routes().get(0).split()).isTrue();
    }

    @Test
    void wrongBalancingLabelsAreWarningsAndLeaveTheServiceOut() {
        DiscoverySnapshot s = new SnapshotBuilder(provider, List.of()).build(List.of(
                service("a", routed("ingress.sticky", "yes")),
                service("b", routed("ingress.weight", "heavy")),
                service("c", routed("ingress.weight", "1001")),
                service("d", routed("ingress.hash_on", "path")),
                service("e", routed("ingress.lb", "hash", "ingress.hash_on", "query")),
                service("f", routed("ingress.sticky", "true", "ingress.sticky.same_site", "none")),
                service("g", routed("ingress.sticky", "true", "ingress.sticky.secure", "sometimes")),
                service("h", routed("ingress.http.host", "h.example.com", "ingress.weight", "0"))), NOW);
        assertThat(s.services()).extracting(ServiceConfig::name).containsExactly("h");
        assertThat(s.routes()).isEmpty();
        assertThat(s.warnings()).containsExactly(
                "swarm service 'a': label ingress.sticky: 'yes' (expected: true or false)",
                "swarm service 'b': label ingress.weight: 'heavy' (expected: 0-1000)",
                "swarm service 'c': label ingress.weight: 1001 (expected: 0-1000)",
                "swarm service 'd': label ingress.hash_on: is for lb: hash (this service has lb: round_robin)",
                "swarm service 'e': label ingress.hash_on: 'query' (expected: client_address, path, header:NAME or cookie:NAME)",
                "swarm service 'f': label ingress.sticky.same_site: none needs secure: true (browsers refuse it otherwise)",
                "swarm service 'g': label ingress.sticky.secure: 'sometimes' (expected: true or false)",
                "swarm service 'h': no route, because label ingress.weight is 0 (no share of any route)");
    }
}
