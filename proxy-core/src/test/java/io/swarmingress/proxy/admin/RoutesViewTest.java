package io.swarmingress.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.Location;
import io.swarmingress.config.RouteConfig;

class RoutesViewTest {
    private static RouteConfig route(String host, String path, Map<String, String> headers, String service, int line) {
        return new RouteConfig("web", host, path, headers, false, service, new Location("ingress.yaml", line, Map.of()));
    }

    @Test
    void aRouteBehindAnEqualEarlierOneIsAConflict() {
        List<String> conflicts = RoutesView.shadowed(List.of(
                route("a.test", "/api", Map.of(), "one", 10),
                route("a.test", "/api", Map.of("x-env", "prod"), "two", 14),
                route("a.test", "/api", Map.of(), "three", 18),
                route(null, "/api", Map.of(), "four", 22)));
        assertThat(conflicts).containsExactly("route at ingress.yaml:18 to service 'three' never matches: the route at "
                + "ingress.yaml:10 to service 'one' matches the same host a.test, path /api and headers on entrypoint web "
                + "and comes first");
    }

    @Test
    void discoveryWarningsThatSayWhoWonAreConflicts() {
        // The words discovery's SnapshotBuilder uses for a label route or service it dropped.
        assertThat(RoutesView.isConflict("swarm service 'web2': no route, because a route of the config file already matches"
                + " host web.test path / on entrypoint web (the file wins)")).isTrue();
        assertThat(RoutesView.isConflict("swarm service 'b': no route, because swarm service 'a' already routes host x path /"
                + " on entrypoint web (the first name in sort order wins)")).isTrue();
        assertThat(RoutesView.isConflict("swarm service 'app': its labels are ignored because the config file declares a "
                + "service of the same name (the file wins)")).isTrue();
        assertThat(RoutesView.isConflict("swarm service 'x': label ingress.port is missing (Swarm has no port detection)"))
                .isFalse();
    }
}
