package io.swarmingress.proxy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.swarmingress.config.IngressConfig;
import io.swarmingress.discovery.Discovery;
import io.swarmingress.proxy.admin.DiscoveryStatus;
import io.swarmingress.proxy.relay.RelayServer;
import io.swarmingress.proxy.tls.TlsLayer;

/**
 * What the admin listener shows of the parts only {@link Ingress} holds (the config file, TLS,
 * discovery and the relay), read at the moment of the request through suppliers: discovery and
 * the relay are replaced on reloads, and the views must never keep an old one alive.
 */
final class AdminViews {
    private final Path file;
    private final TlsLayer tls;
    private final Clock clock;
    private final Supplier<IngressConfig> config;
    private final Supplier<Discovery> discovery;
    private final Supplier<RelayServer> relay;

    AdminViews(Path file, TlsLayer tls, Clock clock, Supplier<IngressConfig> config, Supplier<Discovery> discovery,
               Supplier<RelayServer> relay) {
        this.file = file;
        this.tls = tls;
        this.clock = clock;
        this.config = config;
        this.discovery = discovery;
        this.relay = relay;
    }

    /** The sections /routes adds to the routing table's own: the file, certificates, discovery. */
    Map<String, Object> routesExtra() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config_file", file.toString());
        List<Map<String, Object>> certificates = tls == null ? List.of() : tls.certificates();
        if (!certificates.isEmpty()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("provider", tls.provider().description());
            t.put("certificates", certificates);
            m.put("tls", t);
        }
        Discovery d = discovery.get();
        if (d != null) {
            Map<String, Object> swarm = new LinkedHashMap<>();
            Instant last = d.lastSuccess();
            swarm.put("source", d.source().configName());
            swarm.put("manager", d.activeEndpoint());
            swarm.put("last_success", last == null ? null : last.toString());
            // Stale data keeps serving when managers are unreachable; this says how stale.
            swarm.put("age_seconds", last == null ? null : Duration.between(last, clock.instant()).toMillis() / 1000.0);
            swarm.put("warnings", d.current().warnings());
            RelayServer r = relay.get();
            if (r != null) {
                swarm.put("relay", Map.of("listen", r.address().toString(), "followers", r.followers()));
            }
            m.put("discovery", swarm);
        }
        return m;
    }

    /** How discovery is doing, for the dashboard; null without a swarm: section. */
    DiscoveryStatus discoveryStatus() {
        Discovery d = discovery.get();
        IngressConfig c = config.get();
        if (d == null || c.swarm() == null) {
            return null;
        }
        return new DiscoveryStatus(c.swarm().endpoints(), c.swarm().tls() != null, d.activeEndpoint(), d.lastSuccess(),
                d.eventStream(), c.swarm().resyncInterval(), d.current());
    }
}
