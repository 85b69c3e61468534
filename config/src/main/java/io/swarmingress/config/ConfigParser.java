package io.swarmingress.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the YAML config into validated records. It works on YAML nodes rather than binding to
 * classes so that every error can name its line, and it keeps going after an error so that one
 * run of {@code check} lists all of them. Unknown keys are errors: a misspelt option that is
 * silently ignored is worse than a refused file.
 *
 * <p>Scalars may reference the environment as {@code ${NAME}} or {@code ${NAME:-default}}.
 */
public final class ConfigParser {
    private final UnaryOperator<String> environment;

    public ConfigParser() {
        this(System::getenv);
    }

    /** @param environment looks up a variable, null when unset */
    public ConfigParser(UnaryOperator<String> environment) {
        this.environment = environment;
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
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(List.of(new ConfigError(fileName, line, "", "invalid YAML: " + e.getProblem())));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(new ConfigError(fileName, 0, "", "invalid YAML: " + e.getMessage())));
        }
        Reader r = new Reader(fileName);
        if (!(root instanceof MappingNode)) {
            int line = root == null ? 1 : line(root);
            throw new ConfigException(List.of(new ConfigError(fileName, line, "", "the config must be a mapping")));
        }
        IngressConfig config = r.document((MappingNode) root);
        if (!r.errors.isEmpty()) {
            throw new ConfigException(r.errors);
        }
        return config;
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    /** One parse: the file name and every error found so far. */
    private final class Reader {
        private final String file;
        private final List<ConfigError> errors = new ArrayList<>();
        /** Names declared by entries that had errors of their own: references to them are not errors too. */
        private final java.util.Set<String> invalidEntrypoints = new java.util.HashSet<>();
        private final java.util.Set<String> invalidServices = new java.util.HashSet<>();

        Reader(String file) {
            this.file = file;
        }

        IngressConfig document(MappingNode root) {
            Fields f = new Fields(root, "");
            int ioThreads = f.integer("io_threads", IngressConfig.defaultIoThreads());
            Duration grace = f.duration("shutdown_grace", IngressConfig.DEFAULT_SHUTDOWN_GRACE);
            Duration delay = f.duration("shutdown_delay", IngressConfig.DEFAULT_SHUTDOWN_DELAY);
            AdminConfig admin = f.mapping("admin", (m, path) -> {
                Fields a = new Fields(m, path);
                HostPort address = a.hostPort("address", true, true);
                a.finish();
                return address == null ? null : build(a, () -> new AdminConfig(address));
            });
            List<EntrypointConfig> entrypoints = f.list("entrypoints", this::entrypoint);
            List<RouteConfig> routes = f.list("routes", this::route);
            List<ServiceConfig> services = f.list("services", this::service);
            int errorsBefore = errors.size();
            SwarmProviderConfig swarm = f.mapping("swarm", this::swarmProvider);
            if (swarm == null && errors.size() > errorsBefore) {
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
                        errors.add(error);
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
            Fields f = new Fields(node, path);
            String name = f.string("name", null);
            HostPort address = f.hostPort("address", true, true);
            String protocolName = f.string("protocol", "http");
            Protocol protocol = f.convert("protocol", protocolName, Protocol::fromConfig);
            String service = f.string("service", null);
            Duration idle = f.duration("client_idle_timeout", EntrypointConfig.DEFAULT_CLIENT_IDLE_TIMEOUT);
            boolean via = f.bool("via", false);
            f.finish();
            EntrypointConfig built = address == null || protocol == null ? null
                    : build(f, () -> new EntrypointConfig(name, address, protocol, service, idle, via, f.location()));
            if (built == null && name != null) {
                invalidEntrypoints.add(name);
            }
            return built;
        }

        RouteConfig route(MappingNode node, String path) {
            Fields f = new Fields(node, path);
            String entrypoint = f.string("entrypoint", null);
            String host = f.string("host", null);
            String prefix = f.string("path_prefix", "/");
            Map<String, String> headers = f.stringMap("headers");
            boolean strip = f.bool("strip_prefix", false);
            String service = f.string("service", null);
            f.finish();
            return build(f, () -> new RouteConfig(entrypoint, host, prefix, headers, strip, service, f.location()));
        }

        ServiceConfig service(MappingNode node, String path) {
            Fields f = new Fields(node, path);
            String name = f.string("name", null);
            LbPolicy lb = f.convert("lb", f.string("lb", "round_robin"), LbPolicy::fromConfig);
            Duration connect = f.duration("connect_timeout", Timeouts.DEFAULT.connect());
            Duration response = f.duration("response_timeout", Timeouts.DEFAULT.response());
            Duration idle = f.duration("idle_timeout", Timeouts.DEFAULT.idle());
            List<HostPort> endpoints = f.scalarList("endpoints", (value, field) -> HostPort.parse(value, false));
            SwarmServiceRef swarm = f.mapping("swarm", (m, p) -> {
                Fields s = new Fields(m, p);
                String service = s.string("service", null);
                int port = s.integer("port", 0);
                String network = s.string("network", null);
                s.finish();
                return build(s, () -> new SwarmServiceRef(service, port, network));
            });
            f.finish();
            Timeouts timeouts = build(f, () -> new Timeouts(connect, response, idle));
            ServiceConfig built = timeouts == null || lb == null ? null
                    : build(f, () -> new ServiceConfig(name, lb, timeouts, endpoints, swarm, f.location()));
            if (built == null && name != null) {
                invalidServices.add(name);
            }
            return built;
        }

        SwarmProviderConfig swarmProvider(MappingNode node, String path) {
            Fields f = new Fields(node, path);
            List<String> endpoints = f.scalarList("endpoints", (value, field) -> value.trim());
            SwarmProviderConfig.Tls tls = f.mapping("tls", (m, p) -> {
                Fields t = new Fields(m, p);
                String ca = t.string("ca", null);
                String cert = t.string("cert", null);
                String key = t.string("key", null);
                t.finish();
                return build(t, () -> new SwarmProviderConfig.Tls(ca, cert, key));
            });
            String prefix = f.string("label_prefix", SwarmProviderConfig.DEFAULT_LABEL_PREFIX);
            boolean labels = f.bool("labels", true);
            String network = f.string("network", null);
            String entrypoint = f.string("entrypoint", null);
            Duration resync = f.duration("resync_interval", SwarmProviderConfig.DEFAULT_RESYNC_INTERVAL);
            Duration debounce = f.duration("debounce", SwarmProviderConfig.DEFAULT_DEBOUNCE);
            Duration apiTimeout = f.duration("api_timeout", SwarmProviderConfig.DEFAULT_API_TIMEOUT);
            f.finish();
            return build(f, () -> new SwarmProviderConfig(endpoints, tls, prefix, labels, network, entrypoint, resync,
                    debounce, apiTimeout, f.location()));
        }

        /** Builds a record, turning a field error from its constructor into a located error. */
        <T> T build(Fields f, java.util.function.Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (InvalidFieldException e) {
                String field = e.field();
                errors.add(new ConfigError(file, f.lineOf(field), f.qualify(field), e.getMessage()));
                return null;
            }
        }

        /** The keys of one mapping, read once each, with unknown and duplicate keys reported. */
        private final class Fields {
            private final MappingNode node;
            private final String path;
            private final Map<String, NodeTuple> tuples = new LinkedHashMap<>();
            private final Map<String, Integer> lines = new LinkedHashMap<>();

            Fields(MappingNode node, String path) {
                this.node = node;
                this.path = path;
                for (NodeTuple t : node.getValue()) {
                    if (!(t.getKeyNode() instanceof ScalarNode)) {
                        error(line(t.getKeyNode()), "", "keys must be plain names");
                        continue;
                    }
                    String key = ((ScalarNode) t.getKeyNode()).getValue();
                    if (tuples.put(key, t) != null) {
                        error(line(t.getKeyNode()), key, "appears twice");
                    }
                    lines.put(key, line(t.getKeyNode()));
                }
            }

            String qualify(String field) {
                if (field.isEmpty()) {
                    return path;
                }
                return path.isEmpty() ? field : path + "." + field;
            }

            int lineOf(String field) {
                String top = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
                return lines.getOrDefault(top, line(node));
            }

            Location location() {
                return new Location(file, line(node), lines);
            }

            void error(int line, String field, String message) {
                errors.add(new ConfigError(file, line, qualify(field), message));
            }

            /** The value of a key; an explicitly empty value ({@code routes:}) counts as absent. */
            private Node take(String key) {
                NodeTuple t = tuples.remove(key);
                if (t == null || t.getValueNode().getTag().equals(Tag.NULL)) {
                    return null;
                }
                return t.getValueNode();
            }

            void finish() {
                for (String key : tuples.keySet()) {
                    error(lines.get(key), key, "is not a known option");
                }
                tuples.clear();
            }

            String scalar(String key, Node value) {
                if (!(value instanceof ScalarNode)) {
                    error(line(value), key, "expected a single value");
                    return null;
                }
                String raw = ((ScalarNode) value).getValue();
                try {
                    return substitute(raw);
                } catch (IllegalArgumentException e) {
                    error(line(value), key, e.getMessage());
                    return null;
                }
            }

            String string(String key, String fallback) {
                Node v = take(key);
                if (v == null) {
                    return fallback;
                }
                String s = scalar(key, v);
                return s == null || s.isEmpty() && fallback != null ? fallback : s;
            }

            <T> T convert(String key, String value, Function<String, T> parser) {
                if (value == null) {
                    return null;
                }
                try {
                    return parser.apply(value);
                } catch (IllegalArgumentException e) {
                    error(lineOf(key), key, e.getMessage());
                    return null;
                }
            }

            int integer(String key, int fallback) {
                String s = string(key, null);
                if (s == null) {
                    return fallback;
                }
                Integer v = convert(key, s, text -> {
                    try {
                        return Integer.parseInt(text.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "' (expected: a whole number)");
                    }
                });
                return v == null ? fallback : v;
            }

            boolean bool(String key, boolean fallback) {
                String s = string(key, null);
                if (s == null) {
                    return fallback;
                }
                Boolean v = convert(key, s, text -> {
                    switch (text) {
                        case "true": return true;
                        case "false": return false;
                        default: throw new IllegalArgumentException("'" + text + "' (expected: true or false)");
                    }
                });
                return v == null ? fallback : v;
            }

            Duration duration(String key, Duration fallback) {
                String s = string(key, null);
                if (s == null) {
                    return fallback;
                }
                Duration d = convert(key, s, Durations::parse);
                return d == null ? fallback : d;
            }

            HostPort hostPort(String key, boolean required, boolean allowPortZero) {
                String s = string(key, null);
                if (s == null) {
                    if (required) {
                        error(line(node), key, "is required");
                    }
                    return null;
                }
                return convert(key, s, text -> HostPort.parse(text, allowPortZero));
            }

            <T> T mapping(String key, java.util.function.BiFunction<MappingNode, String, T> reader) {
                Node v = take(key);
                if (v == null) {
                    return null;
                }
                if (!(v instanceof MappingNode)) {
                    error(line(v), key, "expected a mapping");
                    return null;
                }
                return reader.apply((MappingNode) v, qualify(key));
            }

            <T> List<T> list(String key, java.util.function.BiFunction<MappingNode, String, T> reader) {
                Node v = take(key);
                List<T> out = new ArrayList<>();
                if (v == null) {
                    return out;
                }
                if (!(v instanceof SequenceNode)) {
                    error(line(v), key, "expected a list");
                    return out;
                }
                List<Node> items = ((SequenceNode) v).getValue();
                for (int i = 0; i < items.size(); i++) {
                    Node item = items.get(i);
                    String itemPath = qualify(key) + "[" + i + "]";
                    if (!(item instanceof MappingNode)) {
                        errors.add(new ConfigError(file, line(item), itemPath, "expected a mapping"));
                        continue;
                    }
                    T t = reader.apply((MappingNode) item, itemPath);
                    if (t != null) {
                        out.add(t);
                    }
                }
                return out;
            }

            <T> List<T> scalarList(String key, java.util.function.BiFunction<String, String, T> reader) {
                Node v = take(key);
                List<T> out = new ArrayList<>();
                if (v == null) {
                    return out;
                }
                if (!(v instanceof SequenceNode)) {
                    error(line(v), key, "expected a list");
                    return out;
                }
                List<Node> items = ((SequenceNode) v).getValue();
                for (int i = 0; i < items.size(); i++) {
                    String field = key + "[" + i + "]";
                    String s = scalar(field, items.get(i));
                    if (s == null) {
                        continue;
                    }
                    try {
                        out.add(reader.apply(s, field));
                    } catch (IllegalArgumentException e) {
                        error(line(items.get(i)), field, e.getMessage());
                    }
                }
                return out;
            }

            Map<String, String> stringMap(String key) {
                Node v = take(key);
                Map<String, String> out = new LinkedHashMap<>();
                if (v == null) {
                    return out;
                }
                if (!(v instanceof MappingNode)) {
                    error(line(v), key, "expected a mapping of names to values");
                    return out;
                }
                for (NodeTuple t : ((MappingNode) v).getValue()) {
                    String name = scalar(key, t.getKeyNode());
                    String value = scalar(key + "." + name, t.getValueNode());
                    if (name != null && value != null && out.put(name, value) != null) {
                        error(line(t.getKeyNode()), key + "." + name, "appears twice");
                    }
                }
                return out;
            }
        }
    }

    /** Expands {@code ${NAME}} and {@code ${NAME:-default}}; an unset variable without a default is an error. */
    String substitute(String raw) {
        if (raw.indexOf("${") < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < raw.length()) {
            int start = raw.indexOf("${", i);
            if (start < 0) {
                out.append(raw, i, raw.length());
                break;
            }
            int end = raw.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'" + raw + "' has an unclosed ${");
            }
            out.append(raw, i, start);
            String expr = raw.substring(start + 2, end);
            int dash = expr.indexOf(":-");
            String name = dash < 0 ? expr : expr.substring(0, dash);
            String value = environment.apply(name);
            if (value == null || value.isEmpty()) {
                if (dash < 0) {
                    throw new IllegalArgumentException("environment variable " + name + " is not set (write ${" + name
                            + ":-default} for a default)");
                }
                value = expr.substring(dash + 2);
            }
            out.append(value);
            i = end + 1;
        }
        return out.toString();
    }
}
