package io.swarmingress.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * Reads the YAML config into validated records. This class is the shape of the file (which keys
 * exist where, their defaults, which record each mapping becomes); reading a mapping's keys with
 * file:line errors is {@link YamlFields}' job, and expanding the environment is
 * {@link EnvSubstitution}'s. It keeps going after an error so that one run of {@code check} lists
 * all of them. Unknown keys are errors: a misspelt option that is silently ignored is worse than a
 * refused file.
 *
 * <p>Scalars may reference the environment as {@code ${NAME}} or {@code ${NAME:-default}}.
 */
public final class ConfigParser {
    private final EnvSubstitution environment;

    public ConfigParser() {
        this(System::getenv);
    }

    /** @param environment looks up a variable, null when unset */
    public ConfigParser(UnaryOperator<String> environment) {
        this.environment = new EnvSubstitution(environment);
    }

    public IngressConfig parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "", "cannot read: " + e)));
        }
        return parse(text, file.toString());
    }

    public IngressConfig parse(String text, String fileName) {
        MappingNode root = YamlDocument.root(text, fileName);
        YamlDocument document = new YamlDocument(fileName, environment);
        IngressConfig config = new Reader(document).root(root);
        document.throwIfErrors();
        return config;
    }

    /** One parse: the document being read and the names of entries it rejected. */
    private static final class Reader {
        private final YamlDocument document;
        private final ServicePolicies policies;
        private final ServiceBalancing balancing;
        private final TlsSection tlsSection;
        /** Names declared by entries that had errors of their own: references to them are not errors too. */
        private final Set<String> invalidEntrypoints = new HashSet<>();
        private final Set<String> invalidServices = new HashSet<>();

        Reader(YamlDocument document) {
            this.document = document;
            this.policies = new ServicePolicies(document);
            this.balancing = new ServiceBalancing(document);
            this.tlsSection = new TlsSection(document);
        }

        IngressConfig root(MappingNode root) {
            YamlFields f = document.fields(root, "");
            int ioThreads = f.integer("io_threads", IngressConfig.defaultIoThreads());
            Duration grace = f.duration("shutdown_grace", IngressConfig.DEFAULT_SHUTDOWN_GRACE);
            Duration delay = f.duration("shutdown_delay", IngressConfig.DEFAULT_SHUTDOWN_DELAY);
            AdminConfig admin = f.mapping("admin", (m, path) -> {
                YamlFields a = document.fields(m, path);
                HostPort address = a.hostPort("address", true, true);
                HostPort probes = a.hostPort("probes", false, true);
                String htpasswd = a.string("htpasswd", null);
                a.finish();
                return address == null ? null : a.build(() -> new AdminConfig(address, probes, htpasswd));
            });
            List<EntrypointConfig> entrypoints = f.list("entrypoints", this::entrypoint);
            List<RouteConfig> routes = f.list("routes", this::route);
            List<ServiceConfig> services = f.list("services", this::service);
            int errorsBefore = document.errorCount();
            SwarmProviderConfig swarm = f.mapping("swarm", this::swarmProvider);
            if (swarm == null && document.errorCount() > errorsBefore) {
                // The section exists but is broken (already reported): a stand-in keeps services
                // that name Swarm services from also being told the section is missing.
                swarm = SwarmProviderConfig.of(List.of());
            }
            f.finish();
            Location location = f.location();
            try {
                return new IngressConfig(entrypoints, routes, services, admin, ioThreads, grace, location, swarm, delay);
            } catch (ConfigException e) {
                for (ConfigError error : e.errors()) {
                    if (!refersToInvalid(error)) {
                        document.error(error);
                    }
                }
                return null;
            }
        }

        /**
         * True for "'x' is not a declared entrypoint/service" when x was declared but its entry
         * was rejected: the entry's own error says what to fix, this one would send the reader
         * looking for a declaration that is there.
         */
        private boolean refersToInvalid(ConfigError error) {
            for (String name : invalidEntrypoints) {
                if (error.message().equals("'" + name + "' is not a declared entrypoint")) {
                    return true;
                }
            }
            for (String name : invalidServices) {
                if (error.message().equals("'" + name + "' is not a declared service")) {
                    return true;
                }
            }
            return false;
        }

        EntrypointConfig entrypoint(MappingNode node, String path) {
            YamlFields f = document.fields(node, path);
            String name = f.string("name", null);
            HostPort address = f.hostPort("address", true, true);
            String protocolName = f.string("protocol", "http");
            Protocol protocol = f.convert("protocol", protocolName, Protocol::fromConfig);
            String service = f.string("service", null);
            ClientLimits d = ClientLimits.DEFAULT;
            Duration idle = f.duration("client_idle_timeout", d.idle());
            Duration header = f.duration("request_header_timeout", d.header());
            Duration body = f.duration("request_body_timeout", d.body());
            long minRate = f.integer("request_body_min_rate", (int) d.bodyMinRate());
            int maxConnections = f.integer("max_connections", d.maxConnections());
            boolean via = f.bool("via", false);
            boolean proxyProtocol = f.bool("proxy_protocol", false);
            boolean trustGiven = f.has("trusted_proxies");
            int errorsBefore = document.errorCount();
            List<Cidr> trusted = f.scalarList("trusted_proxies", (value, field) -> Cidr.parse(value));
            boolean trustValid = document.errorCount() == errorsBefore;
            int errorsBeforeTls = document.errorCount();
            TlsConfig tls = f.mapping("tls", tlsSection::read);
            boolean tlsBroken = document.errorCount() > errorsBeforeTls;
            boolean passthrough = f.bool("tls_passthrough", false);
            String redirect = f.string("https_redirect", null);
            f.finish();
            ClientLimits limits = f.build(() -> new ClientLimits(idle, header, body, minRate, maxConnections));
            TrustedProxies trust = new TrustedProxies(trusted);
            EntrypointConfig built = address == null || protocol == null || limits == null || (trustGiven && !trustValid)
                    || tlsBroken ? null
                    : f.build(() -> new EntrypointConfig(name, address, protocol, service, limits, via, proxyProtocol, trust,
                            f.location(), tls, passthrough, redirect));
            if (built == null && name != null) {
                invalidEntrypoints.add(name);
            }
            return built;
        }

        RouteConfig route(MappingNode node, String path) {
            YamlFields f = document.fields(node, path);
            String entrypoint = f.string("entrypoint", null);
            String host = f.string("host", null);
            String prefix = f.string("path_prefix", "/");
            Map<String, String> headers = f.stringMap("headers");
            boolean strip = f.bool("strip_prefix", false);
            boolean split = f.has("services");
            String service = f.string("service", null);
            int errorsBefore = document.errorCount();
            List<WeightedService> services = f.list("services", (m, p) -> {
                YamlFields w = document.fields(m, p);
                String name = w.string("name", null);
                int weight = w.integer("weight", 1);
                w.finish();
                return w.build(() -> new WeightedService(name, weight));
            });
            boolean servicesValid = document.errorCount() == errorsBefore;
            String hsts = f.string("hsts", null);
            f.finish();
            if (split && service != null) {
                f.error(f.lineOf("services"), "services", "a route takes either service or services, not both");
                return null;
            }
            if (!servicesValid) {
                return null;
            }
            return split ? f.build(() -> new RouteConfig(entrypoint, host, prefix, headers, strip, services, f.location(), hsts))
                    : f.build(() -> new RouteConfig(entrypoint, host, prefix, headers, strip, service, f.location(), hsts));
        }

        ServiceConfig service(MappingNode node, String path) {
            YamlFields f = document.fields(node, path);
            String name = f.string("name", null);
            LbPolicy lb = f.convert("lb", f.string("lb", "round_robin"), LbPolicy::fromConfig);
            Duration connect = f.duration("connect_timeout", Timeouts.DEFAULT.connect());
            Duration response = f.duration("response_timeout", Timeouts.DEFAULT.response());
            Duration idle = f.duration("idle_timeout", Timeouts.DEFAULT.idle());
            Duration request = f.duration("request_timeout", null);
            Duration drain = f.duration("drain_timeout", Timeouts.DEFAULT_DRAIN);
            Duration tunnel = f.duration("tunnel_timeout", Timeouts.DEFAULT_TUNNEL);
            RetryPolicy retry = policies.retry(f);
            OutlierPolicy outlier = policies.outlier(f);
            HealthCheck healthCheck = policies.healthCheck(f);
            UpstreamOptions upstream = policies.upstream(f);
            int errorsBefore = document.errorCount();
            HashOn hashOn = balancing.hashOn(f);
            StickySessions sticky = balancing.sticky(f);
            ServiceBalancing.Endpoints listed = balancing.endpoints(f);
            boolean balancingValid = document.errorCount() == errorsBefore;
            List<HostPort> endpoints = listed.addresses();
            SwarmServiceRef swarm = f.mapping("swarm", (m, p) -> {
                YamlFields s = document.fields(m, p);
                String service = s.string("service", null);
                int port = s.integer("port", 0);
                String network = s.string("network", null);
                s.finish();
                return s.build(() -> new SwarmServiceRef(service, port, network));
            });
            f.finish();
            Timeouts timeouts = f.build(() -> new Timeouts(connect, response, idle, request, drain, tunnel));
            Balancing balanced = balancingValid ? f.build(() -> new Balancing(hashOn, sticky, listed.weights())) : null;
            ServiceConfig built = timeouts == null || lb == null || retry == null || upstream == null || balanced == null ? null
                    : f.build(() -> new ServiceConfig(name, lb, timeouts, endpoints, swarm, f.location(), retry, outlier, healthCheck,
                            upstream, balanced));
            if (built == null && name != null) {
                invalidServices.add(name);
            }
            return built;
        }

        SwarmProviderConfig swarmProvider(MappingNode node, String path) {
            YamlFields f = document.fields(node, path);
            List<String> endpoints = f.scalarList("endpoints", (value, field) -> value.trim());
            SwarmProviderConfig.Tls tls = f.mapping("tls", (m, p) -> {
                YamlFields t = document.fields(m, p);
                String ca = t.string("ca", null);
                String cert = t.string("cert", null);
                String key = t.string("key", null);
                t.finish();
                return t.build(() -> new SwarmProviderConfig.Tls(ca, cert, key));
            });
            String prefix = f.string("label_prefix", SwarmProviderConfig.DEFAULT_LABEL_PREFIX);
            boolean labels = f.bool("labels", true);
            String network = f.string("network", null);
            String entrypoint = f.string("entrypoint", null);
            Duration resync = f.duration("resync_interval", SwarmProviderConfig.DEFAULT_RESYNC_INTERVAL);
            Duration debounce = f.duration("debounce", SwarmProviderConfig.DEFAULT_DEBOUNCE);
            Duration apiTimeout = f.duration("api_timeout", SwarmProviderConfig.DEFAULT_API_TIMEOUT);
            Duration taskPoll = f.duration("task_poll_interval", SwarmProviderConfig.DEFAULT_TASK_POLL_INTERVAL);
            SwarmSource source = f.convert("source", f.string("source", "docker"), SwarmSource::fromConfig);
            SwarmRelay relay = f.mapping("relay", (m, p) -> {
                YamlFields r = document.fields(m, p);
                HostPort listen = r.hostPort("listen", false, true);
                List<HostPort> from = r.scalarList("from", (value, field) -> HostPort.parse(value, false));
                String tokenFile = r.string("token_file", null);
                r.finish();
                return r.build(() -> new SwarmRelay(listen, from, tokenFile));
            });
            f.finish();
            return f.build(() -> new SwarmProviderConfig(endpoints, tls, prefix, labels, network, entrypoint, resync,
                    debounce, apiTimeout, taskPoll, source, relay, f.location()));
        }
    }
}
