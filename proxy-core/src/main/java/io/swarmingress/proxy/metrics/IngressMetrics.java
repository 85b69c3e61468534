package io.swarmingress.proxy.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.swarmingress.discovery.DiscoveryObserver;

/**
 * Every metric the proxy publishes, named in one place so dashboards can rely on them. Series
 * for configured entrypoints and services are registered when a table is built, with value zero,
 * so a dashboard finds them before the first request or error.
 */
public final class IngressMetrics implements AutoCloseable {
    static final String REQUESTS = "ingress.requests";
    static final String REQUEST_DURATION = "ingress.request.duration";
    static final String OPEN_CONNECTIONS = "ingress.open.connections";
    /** The status codes the proxy itself answers with, pre-registered per (entrypoint, service). */
    private static final int[] PREREGISTERED_CODES = {200, 502, 503, 504};
    /** Latency buckets from 1 ms to 30 s: enough resolution for SLOs without a hundred series a service. */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    /** Streams per HTTP/2 connection: one request, a page's worth, a long-lived client's. */
    private static final double[] STREAM_BUCKETS = {1, 2, 5, 10, 25, 50, 100, 250, 1000, 10_000, 100_000};

    /**
     * Makes the third-party binders' meters pass {@code promtool check metrics}: the Netty
     * allocator gauges come without a description (an empty HELP), ProcessorMetrics names a
     * gauge {@code system_cpu_count} (a {@code _count} suffix is reserved for histograms and
     * summaries) and publishes {@code process_cpu_time_ns_total} (an abbreviated, non-base unit;
     * {@code process_cpu_usage} stays). Must be configured before anything is bound.
     */
    private static final MeterFilter PROMETHEUS_LINT = new MeterFilter() {
        @Override
        public MeterFilterReply accept(Meter.Id id) {
            return id.getName().equals("process.cpu.time") ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
        }

        @Override
        public Meter.Id map(Meter.Id id) {
            if (id.getName().equals("system.cpu.count")) {
                return id.withName("system.cpus");
            }
            if (id.getName().startsWith("netty.allocator.") && (id.getDescription() == null || id.getDescription().isBlank())) {
                return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(),
                        "Netty ByteBuf allocator " + id.getName().substring("netty.allocator.".length()).replace('.', ' '),
                        id.getType());
            }
            return id;
        }
    };

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final Map<String, RequestMetrics> requestMetrics = new ConcurrentHashMap<>();
    private final Map<String, ConnectionMeters> connectionMeters = new ConcurrentHashMap<>();
    private final Map<String, ServiceMeters> serviceMeters = new ConcurrentHashMap<>();
    private final Map<String, Gauge> endpointGauges = new ConcurrentHashMap<>();
    private final Map<String, TlsMeters> tlsMeters = new ConcurrentHashMap<>();
    private final Map<String, Gauge> certificateGauges = new ConcurrentHashMap<>();
    private final Counter reloadSuccess;
    private final Counter reloadFailure;
    private final Counter certificateReloadSuccess;
    private final Counter certificateReloadFailure;

    public IngressMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(PROMETHEUS_LINT);
        new JvmMemoryMetrics().bindTo(registry);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        if (allocator instanceof PooledByteBufAllocator) {
            new NettyAllocatorMetrics((PooledByteBufAllocator) allocator).bindTo(registry);
        } else if (allocator instanceof ByteBufAllocatorMetricProvider) {
            new NettyAllocatorMetrics((ByteBufAllocatorMetricProvider) allocator).bindTo(registry);
        }
        this.reloadSuccess = reloads("success");
        this.reloadFailure = reloads("failure");
        this.certificateReloadSuccess = certificateReloads("success");
        this.certificateReloadFailure = certificateReloads("failure");
    }

    private Counter certificateReloads(String result) {
        return Counter.builder("ingress.tls.certificate.reloads")
                .description("Certificate, key and OCSP response files that changed and were reloaded, by result; a failure "
                        + "keeps the previous one serving")
                .tag("result", result)
                .register(registry);
    }

    /** A certificate's files changed: reloaded, or refused (the previous certificate serves on). */
    public void certificateReloaded(boolean success) {
        (success ? certificateReloadSuccess : certificateReloadFailure).increment();
    }

    private Counter reloads(String result) {
        return Counter.builder("ingress.config.reloads")
                .description("Config file reloads, by result; a failure keeps the previous config serving")
                .tag("result", result)
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public void reloadSucceeded() {
        reloadSuccess.increment();
    }

    public void reloadFailed() {
        reloadFailure.increment();
    }

    /**
     * {@code ingress_tls_passthrough_connections_total{entrypoint,result}}: how the TLS hellos of a
     * passthrough entrypoint ended: routed, unknown_name, not_tls, invalid, timeout.
     */
    Counter passthrough(String entrypoint, String result) {
        return Counter.builder("ingress.tls.passthrough.connections")
                .description("Connections of a TLS passthrough entrypoint, by what their ClientHello led to")
                .tag("entrypoint", entrypoint)
                .tag("result", result)
                .register(registry);
    }

    /** The handshake meters of a TLS entrypoint, registered at zero on first use. */
    public TlsMeters tls(String entrypoint) {
        return tlsMeters.computeIfAbsent(entrypoint, e -> new TlsMeters(registry, e));
    }

    /**
     * {@code ingress_tls_certificate_expiry_timestamp_seconds{name}} for every name a certificate
     * serves now, read from {@code expiry}; a name served by several certificates should report
     * the one that expires first, the one an alert is about. Names no longer served lose their series.
     */
    public synchronized void certificateExpiry(Set<String> names, ToDoubleFunction<String> expiry) {
        for (String name : names) {
            certificateGauges.computeIfAbsent(name, n -> Gauge.builder("ingress.tls.certificate.expiry.timestamp", n, expiry)
                    .description("When the certificate served for a name expires (notAfter), in seconds since the epoch")
                    .tag("name", n)
                    .baseUnit("seconds")
                    .strongReference(true)
                    .register(registry));
        }
        certificateGauges.entrySet().removeIf(e -> {
            if (names.contains(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue());
            return true;
        });
    }

    public RequestMetrics requests(String entrypoint, String service) {
        return requestMetrics.computeIfAbsent(entrypoint + '\0' + service, key -> {
            Timer timer = Timer.builder(REQUEST_DURATION)
                    .description("Time from the request head to the end of the response, by entrypoint and service")
                    .tag("entrypoint", entrypoint)
                    .tag("service", service)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry);
            AtomicInteger upgraded = new AtomicInteger();
            Gauge.builder("ingress.upgraded.connections", upgraded, AtomicInteger::get)
                    .description("Client connections that switched protocols (WebSocket) and are relayed now, by entrypoint and service")
                    .tag("entrypoint", entrypoint)
                    .tag("service", service)
                    .register(registry);
            RequestMetrics m = new RequestMetrics(registry, entrypoint, service, timer, upgraded);
            for (int code : PREREGISTERED_CODES) {
                // For HTTP/1 only: the other protocols' series appear with their first request (bounded either way).
                m.counter(RequestProtocol.HTTP1, code);
            }
            return m;
        });
    }

    /** The connection meters of an entrypoint: one set per entrypoint name, kept across reloads. */
    public ConnectionMeters connections(String entrypoint, String protocol) {
        return connectionMeters.computeIfAbsent(entrypoint, key -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder(OPEN_CONNECTIONS, count, AtomicInteger::get)
                    .description("Client connections open on an entrypoint")
                    .tag("entrypoint", entrypoint)
                    .tag("protocol", protocol)
                    .register(registry);
            ConnectionMeters.Deadline[] deadlines = ConnectionMeters.Deadline.values();
            Counter[] timeouts = new Counter[deadlines.length];
            for (ConnectionMeters.Deadline d : deadlines) {
                timeouts[d.ordinal()] = Counter.builder("ingress.client.timeouts")
                        .description("Client connections closed by a deadline: idle between requests, a head or a body too slow")
                        .tag("entrypoint", entrypoint)
                        .tag("phase", d.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry);
            }
            Counter rejected = Counter.builder("ingress.connections.rejected")
                    .description("Client connections closed at accept because the entrypoint had max_connections open")
                    .tag("entrypoint", entrypoint)
                    .register(registry);
            ConnectionMeters.ProxyProtocolError[] reasons = ConnectionMeters.ProxyProtocolError.values();
            Counter[] proxyProtocolErrors = new Counter[reasons.length];
            for (ConnectionMeters.ProxyProtocolError r : reasons) {
                proxyProtocolErrors[r.ordinal()] = Counter.builder("ingress.proxy.protocol.errors")
                        .description("Client connections closed because they did not start with a valid PROXY protocol header "
                                + "in time (entrypoints with proxy_protocol: true)")
                        .tag("entrypoint", entrypoint)
                        .tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry);
            }
            DistributionSummary streams = DistributionSummary.builder("ingress.http2.streams.per.connection")
                    .description("Streams (requests) each HTTP/2 client connection carried, recorded when it closes")
                    .tag("entrypoint", entrypoint)
                    .serviceLevelObjectives(STREAM_BUCKETS)
                    .register(registry);
            return new ConnectionMeters(count, bytesCounter(entrypoint, "in"), bytesCounter(entrypoint, "out"), timeouts, rejected,
                    proxyProtocolErrors, streams, result -> passthrough(entrypoint, result));
        });
    }

    private Counter bytesCounter(String entrypoint, String direction) {
        return Counter.builder("ingress.bytes")
                .description("Bytes received from (in) and sent to (out) clients on an entrypoint")
                .baseUnit("bytes")
                .tag("entrypoint", entrypoint)
                .tag("direction", direction)
                .register(registry);
    }

    /**
     * Counts discovery's syncs and events, and exposes when it last read Swarm successfully
     * ({@code lastSuccessEpochSeconds} returns NaN before the first success).
     */
    public DiscoveryObserver discovery(java.util.function.DoubleSupplier lastSuccessEpochSeconds) {
        return new DiscoveryMeters(registry, lastSuccessEpochSeconds);
    }

    /** The meters of a service beside its requests: one set per service name, kept across reloads. */
    public ServiceMeters service(String service) {
        return serviceMeters.computeIfAbsent(service, key -> {
            Counter connectErrors = Counter.builder("ingress.upstream.connect.errors")
                    .description("Failed connection attempts to a service's endpoints")
                    .tag("service", service)
                    .register(registry);
            Counter ejections = Counter.builder("ingress.endpoint.ejections")
                    .description("Endpoints taken out of rotation by passive health (connect failures, resets, 5xx in a row)")
                    .tag("service", service)
                    .register(registry);
            Map<ServiceMeters.RetryReason, Counter> retries = new java.util.EnumMap<>(ServiceMeters.RetryReason.class);
            for (ServiceMeters.RetryReason reason : ServiceMeters.RetryReason.values()) {
                retries.put(reason, Counter.builder("ingress.retries")
                        .description("Requests sent again to another endpoint, by what failed first")
                        .tag("service", service)
                        .tag("reason", reason.label())
                        .register(registry));
            }
            return new ServiceMeters(connectErrors, ejections, retries);
        });
    }

    /**
     * Makes the endpoint-count gauges match the services of the live table: one per service,
     * reading the count of a service by its name, and none for services that are gone.
     */
    public void serviceEndpoints(Set<String> services, ToDoubleFunction<String> countByService) {
        for (String service : services) {
            endpointGauges.computeIfAbsent(service, key -> Gauge.builder("ingress.service.endpoints", service, countByService)
                    .description("Endpoints a service currently has in the live routing table")
                    .tag("service", service)
                    .strongReference(true)
                    .register(registry));
        }
        endpointGauges.entrySet().removeIf(e -> {
            if (services.contains(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue());
            return true;
        });
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
