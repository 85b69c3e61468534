package io.swarmingress.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.SwarmSource;
import io.swarmingress.discovery.Discovery;
import io.swarmingress.discovery.DiscoveryObserver;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.proxy.admin.AdminServer;
import io.swarmingress.proxy.admin.AdminSources;
import io.swarmingress.proxy.admin.ReloadHistory;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.relay.RelayServer;
import io.swarmingress.proxy.server.Layer;
import io.swarmingress.proxy.server.ProxyServer;
import io.swarmingress.proxy.tls.TlsLayer;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.proxy.server.Transport;

/**
 * The whole proxy for one config file: data plane, admin listener and the watcher that reloads
 * the file. A reload that fails to parse, validate or bind leaves the running config in place,
 * logs every error with file and line, and counts a failure.
 */
public final class Ingress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ingress.class);
    static final Duration WATCH_INTERVAL = Duration.ofMillis(500);
    private static final Duration FIRST_SYNC_WAIT = Duration.ofSeconds(5);

    private final Path file;
    /** The wall clock of tables and ages shown in /routes; the one place the system clock is chosen. */
    private final Clock clock = Clock.systemUTC();
    private final ConfigParser parser;
    private final IngressMetrics metrics;
    private final ProxyServer server;
    private final AdminServer admin;
    private final ConfigWatcher watcher;
    private final DiscoveryObserver discoveryObserver;
    /** The last config loads, for the dashboard: a refused reload is otherwise only in the log. */
    private final ReloadHistory reloads = new ReloadHistory();
    /** TLS termination, for the certificates /routes lists. */
    private final TlsLayer tls;
    private volatile IngressConfig config;
    /**
     * Null when the config has no swarm: section. A reload hands it the new file; it is replaced
     * only when the swarm: section itself changed.
     */
    private volatile Discovery discovery;
    /** Serves discovery's state to the proxies on workers; null without swarm.relay.listen. */
    private volatile RelayServer relay;

    private Ingress(Path file, ConfigParser parser, IngressConfig config, byte[] content, Transport transport,
                    Duration watchInterval) {
        this.file = file;
        this.parser = parser;
        this.config = config;
        this.metrics = new IngressMetrics();
        ProxyServer s;
        try {
            List<Layer> layers = Fronts.layers(metrics);
            s = ProxyServer.start(config, metrics, Fronts.all(), layers, transport, clock, Ticker.systemTicker());
            tls = layers.stream().filter(TlsLayer.class::isInstance).map(TlsLayer.class::cast).findFirst().orElse(null);
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        this.server = s;
        reloads.succeeded(clock.instant(), ReloadHistory.Trigger.START, file.toString(), s.table().generation());
        this.discoveryObserver = metrics.discovery(() -> {
            Discovery d = discovery;
            Instant last = d == null ? null : d.lastSuccess();
            return last == null ? Double.NaN : last.toEpochMilli() / 1000.0;
        });
        startDiscovery(config, true);
        RelayServer r;
        try {
            r = startRelay(config, transport);
        } catch (RuntimeException e) {
            closeDiscovery();
            s.close();
            metrics.close();
            throw e;
        }
        this.relay = r;
        // The admin listener opens once the proxy serves what it will report healthy on: after the
        // first Swarm read (or its bounded wait). A load balancer that polls /healthz during a rolling
        // update would otherwise send traffic for label routes that are not loaded yet (404s).
        AdminServer a = null;
        if (config.admin() != null) {
            try {
                AdminViews views = new AdminViews(file, tls, clock, () -> this.config, () -> discovery, () -> relay);
                a = AdminServer.start(config.admin(), transport, new AdminSources(metrics, s::table, s::address, views::routesExtra,
                        views::discoveryStatus, reloads, file.toString(), clock));
            } catch (RuntimeException e) {
                closeRelay();
                closeDiscovery();
                s.close();
                metrics.close();
                throw e;
            }
            log.info("admin listening on {} (/ dashboard, /api/v1, /metrics, /healthz, /routes{})", a.address(),
                    config.admin().htpasswd() == null ? "" : "; basic auth but on /healthz");
            if (a.probesAddress() != null) {
                log.info("admin probes listening on {} (/healthz, /metrics only)", a.probesAddress());
            }
        }
        this.admin = a;
        this.watcher = new ConfigWatcher(file, content, watchInterval, this::reload);
    }

    /**
     * Starts discovery for a config (and stops the previous one). At start-up it waits briefly for
     * the first read so that Swarm services do not answer 503 in the proxy's first second.
     */
    private void startDiscovery(IngressConfig c, boolean waitForFirstSync) {
        Discovery previous = discovery;
        if (c.swarm() == null) {
            discovery = null;
            if (previous != null) {
                previous.close();
                server.applyDiscovery(DiscoverySnapshot.EMPTY);
            }
            return;
        }
        Discovery next = Discovery.forConfig(c, this::onSnapshot, discoveryObserver);
        discovery = next;
        if (previous != null) {
            previous.close();
        }
        next.start();
        if (waitForFirstSync) {
            try {
                next.firstSync().get(FIRST_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.warn("no answer from Swarm {} {} within {} ms; serving without Swarm endpoints until one answers",
                        c.swarm().source() == SwarmSource.RELAY ? "relays" : "managers",
                        c.swarm().source() == SwarmSource.RELAY ? c.swarm().relay().from() : c.swarm().endpoints(),
                        FIRST_SYNC_WAIT.toMillis());
            } catch (ExecutionException e) {
                log.warn("first Swarm read failed: {}", e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A new snapshot from discovery: into the routing table, and to the proxies that follow this one. */
    private void onSnapshot(DiscoverySnapshot snapshot) {
        server.applyDiscovery(snapshot);
        RelayServer r = relay;
        if (r != null) {
            r.changed();
        }
    }

    private RelayServer startRelay(IngressConfig c, Transport transport) {
        RelayServer r = RelayServer.forConfig(c, transport, () -> discovery);
        if (r != null) {
            log.info("relay listening on {} (GET /v1/swarm-state{})", r.address(),
                    c.swarm().relay().tokenFile() == null ? "" : ", token required");
        }
        return r;
    }

    /**
     * Reads, validates and starts the config at {@code file}.
     *
     * @throws ConfigException when the file is invalid
     * @throws IllegalStateException when a listener cannot bind
     */
    public static Ingress start(Path file, Transport transport) {
        return start(file, transport, WATCH_INTERVAL);
    }

    static Ingress start(Path file, Transport transport, Duration watchInterval) {
        byte[] content = read(file);
        ConfigParser parser = new ConfigParser();
        IngressConfig config = parser.parse(new String(content, StandardCharsets.UTF_8), file.toString());
        log.info("transport {}{}, {} io threads", transport.name(),
                transport.fallbackReason() == null ? "" : " (epoll unavailable: " + transport.fallbackReason() + ")",
                config.ioThreads());
        return new Ingress(file, parser, config, content, transport, watchInterval);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "", "cannot read: " + e)));
        }
    }

    private void reload(byte[] content) {
        IngressConfig next;
        try {
            next = parser.parse(new String(content, StandardCharsets.UTF_8), file.toString());
        } catch (ConfigException e) {
            metrics.reloadFailed();
            reloads.rejected(clock.instant(), file.toString(), e.errors());
            log.error("config {} rejected, the previous config keeps serving:", file);
            for (ConfigError error : e.errors()) {
                log.error("  {}", error);
            }
            return;
        }
        try {
            server.apply(next);
        } catch (RuntimeException e) {
            metrics.reloadFailed();
            reloads.notApplied(clock.instant(), file.toString(), e.getMessage());
            log.error("config {} could not be applied, the previous config keeps serving: {}", file, e.getMessage());
            return;
        }
        if (!java.util.Objects.equals(next.admin(), config.admin())) {
            log.warn("admin address changed: this takes effect on restart");
        }
        if (!RelayServer.served(next).equals(RelayServer.served(config))) {
            log.warn("swarm.relay.listen or token_file changed: this takes effect on restart");
        }
        Discovery running = discovery;
        if (running != null && next.swarm() != null && next.swarm().sameSettings(config.swarm())) {
            running.applyFileConfig(next); // label routes are filtered against the new file, without a new read
        } else {
            startDiscovery(next, false);
        }
        config = next;
        metrics.reloadSucceeded();
        reloads.succeeded(clock.instant(), ReloadHistory.Trigger.FILE_CHANGE, file.toString(), server.table().generation());
        log.info("config {} reloaded: {} entrypoints, {} routes, {} services (table generation {})", file,
                next.entrypoints().size(), next.routes().size(), next.services().size(), server.table().generation());
    }

    private void closeRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    private void closeDiscovery() {
        Discovery d = discovery;
        discovery = null;
        if (d != null) {
            d.close();
        }
    }

    public ProxyServer server() {
        return server;
    }

    public IngressMetrics metrics() {
        return metrics;
    }

    /** Null when the config has no admin section. */
    public AdminServer admin() {
        return admin;
    }

    public IngressConfig config() {
        return config;
    }

    /** The running discovery; null without a swarm: section. */
    Discovery discovery() {
        return discovery;
    }

    /**
     * Graceful: first {@code /healthz} answers 503 for the config's shutdown delay while everything
     * keeps serving (a load balancer in front takes the node out meanwhile), then the listeners
     * close and in-flight requests finish within the config's grace period.
     */
    public void shutdown() {
        shutdown(ShutdownPause.SLEEP);
    }

    void shutdown(ShutdownPause pause) {
        if (admin != null) {
            admin.startDraining();
        }
        Duration delay = config.shutdownDelay();
        if (!delay.isZero()) {
            log.info("draining: /healthz answers 503 for {} ms (shutdown_delay) while requests are still served",
                    delay.toMillis());
            try {
                pause.pause(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("shutdown delay interrupted; closing the listeners now");
            }
        }
        watcher.close();
        closeRelay(); // its followers move to the relays of the other managers
        closeDiscovery();
        server.shutdown(config.shutdownGrace());
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }

    @Override
    public void close() {
        watcher.close();
        closeRelay();
        closeDiscovery();
        server.close();
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }
}
