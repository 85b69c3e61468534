package io.swarmingress.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.ConfigParser;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.proxy.admin.AdminServer;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.server.ProxyServer;
import io.swarmingress.proxy.server.Transport;

/**
 * The whole proxy for one config file: data plane, admin listener and the watcher that reloads
 * the file. A reload that fails to parse, validate or bind leaves the running config in place,
 * logs every error with file and line, and counts a failure.
 */
public final class Ingress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Ingress.class);
    static final Duration WATCH_INTERVAL = Duration.ofMillis(500);

    private final Path file;
    private final ConfigParser parser;
    private final IngressMetrics metrics;
    private final ProxyServer server;
    private final AdminServer admin;
    private final ConfigWatcher watcher;
    private volatile IngressConfig config;

    private Ingress(Path file, ConfigParser parser, IngressConfig config, byte[] content, Transport transport,
                    Duration watchInterval) {
        this.file = file;
        this.parser = parser;
        this.config = config;
        this.metrics = new IngressMetrics();
        ProxyServer s = null;
        AdminServer a = null;
        try {
            s = ProxyServer.start(config, metrics, transport);
            if (config.admin() != null) {
                a = AdminServer.start(config.admin().address(), transport, metrics, s::table, this::routesExtra);
                log.info("admin listening on {} (/metrics, /healthz, /routes)", a.address());
            }
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            metrics.close();
            throw e;
        }
        this.server = s;
        this.admin = a;
        this.watcher = new ConfigWatcher(file, content, watchInterval, this::reload);
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
            throw new ConfigException(java.util.List.of(new ConfigError(file.toString(), 0, "", "cannot read: " + e)));
        }
    }

    private void reload(byte[] content) {
        IngressConfig next;
        try {
            next = parser.parse(new String(content, StandardCharsets.UTF_8), file.toString());
        } catch (ConfigException e) {
            metrics.reloadFailed();
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
            log.error("config {} could not be applied, the previous config keeps serving: {}", file, e.getMessage());
            return;
        }
        if (!java.util.Objects.equals(next.admin(), config.admin())) {
            log.warn("admin address changed: this takes effect on restart");
        }
        config = next;
        metrics.reloadSucceeded();
        log.info("config {} reloaded: {} entrypoints, {} routes, {} services (table generation {})", file,
                next.entrypoints().size(), next.routes().size(), next.services().size(), server.table().generation());
    }

    private Map<String, Object> routesExtra() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config_file", file.toString());
        return m;
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

    /** Graceful: stop accepting, let in-flight requests finish within the config's grace period. */
    public void shutdown() {
        watcher.close();
        server.shutdown(config.shutdownGrace());
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }

    @Override
    public void close() {
        watcher.close();
        server.close();
        if (admin != null) {
            admin.close();
        }
        metrics.close();
    }
}
