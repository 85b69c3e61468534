package io.swarmingress.proxy.tls;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import io.swarmingress.config.ClientLimits;
import io.swarmingress.config.ConfigError;
import io.swarmingress.config.ConfigException;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.IngressConfig;
import io.swarmingress.config.Protocol;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.Layer;

/**
 * TLS termination for the entrypoints whose config has {@code tls:}. Certificates are loaded when
 * a config is applied (an unusable file refuses the config, at the line that names it) and read
 * again every {@code watchInterval} on the layer's own thread, which also rotates session ticket
 * keys; event loops only read the current {@link SniTable}.
 *
 * <p>A context that a reload replaces is released after {@link #RETIRE_AFTER}: a handshake that
 * read the old table a moment earlier may still be creating its engine from it.
 */
public final class TlsLayer implements Layer {
    private static final Logger log = LoggerFactory.getLogger(TlsLayer.class);
    static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    private static final Duration RETIRE_AFTER = Duration.ofSeconds(30);

    private final IngressMetrics metrics;
    /**
     * Asked once, at the first entrypoint that terminates TLS: probing for BoringSSL extracts and
     * loads a native library and starts the JDK's TLS stack (about 0.3 s of a start on one core and
     * 4 MiB of RSS), which a proxy without TLS entrypoints never needs.
     */
    private final Supplier<TlsProvider> providers;
    private volatile TlsProvider provider;
    private final Clock clock;
    /** Times ticket key rotation (monotonic, apart from the wall clock certificates are judged by). */
    private final Ticker ticker;
    private final ScheduledExecutorService background;
    private volatile Map<String, EntrypointTls> live = Map.of();
    /** The expiry of every name served, read by the metrics scrape. */
    private volatile Map<String, Double> currentExpiry = Map.of();
    /** Contexts replaced by a reload, waiting out {@link #RETIRE_AFTER}. */
    private final Set<SslContext> retiring = new HashSet<>();
    private boolean providerLogged;

    /**
     * @param clock tells whether a certificate has expired
     * @param ticker times the rotation of session ticket keys
     * @param watchInterval how often certificate files are read again
     */
    public TlsLayer(IngressMetrics metrics, Supplier<TlsProvider> providers, Clock clock, Ticker ticker, Duration watchInterval) {
        this.metrics = metrics;
        this.providers = providers;
        this.clock = clock;
        this.ticker = ticker;
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-watcher");
            t.setDaemon(true);
            return t;
        });
        background.scheduleWithFixedDelay(this::watch, watchInterval.toMillis(), watchInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static TlsLayer create(IngressMetrics metrics) {
        return new TlsLayer(metrics, TlsProvider::best, Clock.systemUTC(), Ticker.systemTicker(), WATCH_INTERVAL);
    }

    @Override
    public synchronized Staged prepare(IngressConfig config) {
        Map<String, EntrypointTls> current = live;
        Map<String, EntrypointTls> next = new LinkedHashMap<>();
        List<EntrypointTls> fresh = new ArrayList<>();
        List<ConfigError> errors = new ArrayList<>();
        List<EntrypointConfig> entrypoints = config.entrypoints();
        for (int i = 0; i < entrypoints.size(); i++) {
            EntrypointConfig ec = entrypoints.get(i);
            if (!ec.terminatesTls()) {
                continue;
            }
            EntrypointTls had = current.get(ec.name());
            if (had != null && had.config().equals(ec.tls())) {
                next.put(ec.name(), had);
                continue;
            }
            TlsProvider provider = resolvedProvider();
            if (!providerLogged) {
                providerLogged = true;
                if (provider.openSsl()) {
                    log.info("TLS: {}", provider.description());
                } else {
                    log.warn("TLS: {}; handshakes are slower and session ticket keys are not rotated by the proxy",
                            provider.description());
                }
            }
            try {
                EntrypointTls tls = EntrypointTls.load(ec.name(), "entrypoints[" + i + "]", ec.tls(), provider,
                        ec.protocol() == Protocol.HTTP, clock.instant());
                next.put(ec.name(), tls);
                fresh.add(tls);
            } catch (ConfigException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) {
            for (EntrypointTls t : fresh) {
                t.contexts().forEach(TlsLayer::release);
            }
            throw new ConfigException(errors);
        }
        return new Staged() {
            @Override
            public void commit() {
                synchronized (TlsLayer.this) {
                    Map<String, EntrypointTls> before = live;
                    live = Map.copyOf(next);
                    for (EntrypointTls old : before.values()) {
                        if (!next.containsValue(old)) {
                            old.contexts().forEach(TlsLayer.this::retire);
                        }
                    }
                    for (EntrypointTls t : fresh) {
                        for (LoadedCertificate c : t.certificates()) {
                            log.info("entrypoint {}: TLS certificate {} ({}, {}, expires {})", t.entrypoint(),
                                    c.source().certFile(), String.join(", ", c.names()), c.keyType(), c.notAfter());
                        }
                    }
                    publishExpiry();
                }
            }

            @Override
            public void abandon() {
                for (EntrypointTls t : fresh) {
                    t.contexts().forEach(TlsLayer::release);
                }
            }
        };
    }

    @Override
    public void initChannel(Channel ch, EntrypointContext entrypoint) {
        EntrypointTls tls = live.get(entrypoint.name());
        if (tls == null) {
            return;
        }
        EntrypointConfig options = entrypoint.table().entrypoint(entrypoint.name());
        long timeout = (options == null ? ClientLimits.DEFAULT : options.limits()).header().toNanos();
        long now = ch.eventLoop().ticker().nanoTime();
        ch.pipeline().addLast("tls-hello", new SniSelector(tls, metrics.tls(entrypoint.name()),
                options == null || options.protocol() == Protocol.HTTP, now, timeout));
        ch.pipeline().addLast("tls-meter", new HandshakeMeter(metrics.tls(entrypoint.name()), now));
        ch.pipeline().addLast("tls-finished-ack", new FinishedAck(FinishedAck.QUICK_ACK));
    }

    /** The certificates every TLS entrypoint serves now, for /routes: names, key type, expiry, files, OCSP staple; never keys. */
    public List<Map<String, Object>> certificates() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (EntrypointTls t : live.values()) {
            for (SniTable.Served served : t.table().served()) {
                LoadedCertificate c = served.certificate();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("entrypoint", t.entrypoint());
                m.put("names", c.names());
                m.put("key_type", c.keyType().name().toLowerCase(Locale.ROOT));
                m.put("not_before", c.notBefore().toString());
                m.put("not_after", c.notAfter().toString());
                m.put("issuer", c.leaf().getIssuerX500Principal().getName());
                m.put("sha256", c.fingerprint());
                m.put("cert_file", c.source().certFile());
                m.put("default", !t.config().sniStrict() && c.source() == t.config().defaultCertificate());
                if (served.staple() != null) {
                    m.put("ocsp_next_update", served.staple().nextUpdate() == null ? null : served.staple().nextUpdate().toString());
                }
                out.add(m);
            }
        }
        return out;
    }

    /** The provider terminating TLS, for the start log and /routes; chosen on first use. */
    public TlsProvider provider() {
        TlsProvider p = provider;
        return p != null ? p : resolvedProvider();
    }

    private synchronized TlsProvider resolvedProvider() {
        if (provider == null) {
            provider = providers.get();
        }
        return provider;
    }

    private void watch() {
        try {
            long now = ticker.nanoTime();
            boolean changed = false;
            for (EntrypointTls t : live.values()) {
                changed |= t.reloadChanged(clock.instant(), this::retire, metrics::certificateReloaded);
                t.rotateTicketKeysIfDue(now);
            }
            if (changed) {
                synchronized (this) {
                    publishExpiry();
                }
            }
        } catch (RuntimeException e) {
            log.error("checking TLS certificate files failed", e);
        }
    }

    /** The expiry gauge of every name served, the earliest expiry when several certificates serve it. */
    private void publishExpiry() {
        Map<String, Double> expiry = new HashMap<>();
        for (EntrypointTls t : live.values()) {
            for (LoadedCertificate c : t.certificates()) {
                for (String name : c.names()) {
                    expiry.merge(name, c.notAfter().getEpochSecond() * 1.0, Math::min);
                }
            }
        }
        Map<String, Double> snapshot = Map.copyOf(expiry);
        currentExpiry = snapshot;
        metrics.certificateExpiry(new HashSet<>(snapshot.keySet()), name -> currentExpiry.getOrDefault(name, Double.NaN));
    }

    private void retire(SslContext context) {
        synchronized (retiring) {
            retiring.add(context);
        }
        try {
            background.schedule(() -> {
                synchronized (retiring) {
                    if (!retiring.remove(context)) {
                        return;
                    }
                }
                release(context);
            }, RETIRE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: close() releases what is retiring.
        }
    }

    static void release(SslContext context) {
        ReferenceCountUtil.safeRelease(context);
    }

    /** The names a certificate of this layer serves now (for tests and checks). */
    Set<String> names() {
        Set<String> names = new HashSet<>();
        for (EntrypointTls t : live.values()) {
            for (LoadedCertificate c : t.certificates()) {
                names.addAll(c.names());
            }
        }
        return names;
    }

    @Override
    public synchronized void close() {
        background.shutdownNow();
        for (EntrypointTls t : live.values()) {
            t.contexts().forEach(TlsLayer::release);
        }
        live = Map.of();
        synchronized (retiring) {
            retiring.forEach(TlsLayer::release);
            retiring.clear();
        }
    }
}
