package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.swarmingress.config.ClientLimits;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Location;
import io.swarmingress.config.Protocol;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.config.TlsCertificate;
import io.swarmingress.config.TlsConfig;
import io.swarmingress.config.TrustedProxies;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/** ingress.tls=true and ingress.tls.passthrough=true put a service's label route on the config's TLS entrypoints. */
class TlsLabelsTest {
    private static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");

    private static IngressConfig config() {
        EntrypointConfig web = EntrypointConfig.http("web", new HostPort("127.0.0.1", 8080));
        EntrypointConfig secure = EntrypointConfig.https("websecure", new HostPort("127.0.0.1", 8443),
                TlsConfig.of(List.of(TlsCertificate.of("a.crt", "a.key"))));
        EntrypointConfig pass = new EntrypointConfig("pass", new HostPort("127.0.0.1", 8444), Protocol.TCP, null,
                ClientLimits.DEFAULT, false, false, TrustedProxies.NONE, Location.NONE, null, true, null);
        return new IngressConfig(List.of(web, secure, pass), List.of(), List.of(), null, 1, null, Location.NONE,
                SwarmProviderConfig.of(List.of()).withEntrypoint("web"));
    }

    private static SwarmService service(String name, String... labels) {
        Map<String, String> l = new HashMap<>(Map.of("ingress.enable", "true", "ingress.port", "8443"));
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        SwarmTask task = new SwarmTask("t-" + name, "running", "running", null,
                List.of(new Attachment("n", "appnet", false, List.of("10.0.1.5/24"))));
        return new SwarmService("id-" + name, name, l, 1, false, List.of(task), 1);
    }

    private static RouteConfig route(String entrypoint, String host, String service) {
        return new RouteConfig(entrypoint, host, "/", Map.of(), false, service, Location.of("swarm service " + service + " labels"));
    }

    @Test
    void tlsLabelsRouteOnTheTlsEntrypoints() {
        DiscoverySnapshot s = SnapshotBuilder.forConfig(config()).build(List.of(
                service("shop", "ingress.tls", "true", "ingress.http.host", "shop.example.com"),
                service("db", "ingress.tls.passthrough", "true", "ingress.http.host", "db.example.com"),
                service("plain", "ingress.http.host", "plain.example.com")), NOW);
        assertThat(s.routes()).containsExactlyInAnyOrder(route("websecure", "shop.example.com", "shop"),
                route("pass", "db.example.com", "db"), route("web", "plain.example.com", "plain"));
        assertThat(s.warnings()).isEmpty();
        // The merged config is valid: passthrough routes match the server name only.
        assertThat(s.mergeInto(config()).routes()).hasSize(3);
    }

    @Test
    void tlsLabelsThatCannotBeHonouredAreWarningsNotRoutes() {
        DiscoverySnapshot s = SnapshotBuilder.forConfig(config()).build(List.of(
                service("a", "ingress.tls", "true", "ingress.entrypoint", "web", "ingress.http.host", "a.example.com"),
                service("b", "ingress.tls.passthrough", "true", "ingress.http.path", "/x"),
                service("c", "ingress.tls.passthrough", "true", "ingress.entrypoint", "websecure", "ingress.http.host", "c.example.com")),
                NOW);
        assertThat(s.routes()).isEmpty();
        assertThat(s.warnings()).anyMatch(w -> w.startsWith("swarm service 'a'") && w.contains("needs an entrypoint with tls:"))
                .anyMatch(w -> w.startsWith("swarm service 'b'") && w.contains("matches the TLS server name only"))
                .anyMatch(w -> w.startsWith("swarm service 'c'") && w.contains("tls_passthrough"));
    }
}
