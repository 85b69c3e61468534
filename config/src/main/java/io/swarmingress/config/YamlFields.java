package io.swarmingress.config;

import static io.swarmingress.config.YamlDocument.line;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The keys of one YAML mapping, each read once through a typed getter. A getter that meets a bad
 * value reports it to the {@link YamlDocument} with its line and dotted field path and returns the
 * fallback (or null), so reading goes on. {@link #finish()} reports every key nobody read: a
 * misspelt option that is silently ignored is worse than a refused file. Scalars are expanded
 * through the document's {@link EnvSubstitution}.
 */
final class YamlFields {
    private final YamlDocument document;
    private final MappingNode node;
    private final String path;
    private final Map<String, NodeTuple> tuples = new LinkedHashMap<>();
    private final Map<String, Integer> lines = new LinkedHashMap<>();

    YamlFields(YamlDocument document, MappingNode node, String path) {
        this.document = document;
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

    /** {@code field} as a dotted path from the root of the file. */
    String qualify(String field) {
        if (field.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? field : path + "." + field;
    }

    /** The line of {@code field}'s key (of its first part for a dotted field), else of the mapping. */
    int lineOf(String field) {
        String top = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
        return lines.getOrDefault(top, line(node));
    }

    /** Whether the mapping has this key at all. */
    boolean has(String key) {
        return lines.containsKey(key);
    }

    /** Where this mapping and each of its keys were written, for checks made after parsing. */
    Location location() {
        return new Location(document.file(), line(node), lines);
    }

    /**
     * Builds a record from values read here, turning a field error from its constructor into an
     * error located at that field: records validate themselves but do not know where they came from.
     *
     * @return the record, or null when its constructor refused a field
     */
    <T> T build(Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (InvalidFieldException e) {
            String field = e.field();
            document.error(lineOf(field), qualify(field), e.getMessage());
            return null;
        }
    }

    void error(int line, String field, String message) {
        document.error(line, qualify(field), message);
    }

    /** The value of a key; an explicitly empty value ({@code routes:}) counts as absent. */
    private Node take(String key) {
        NodeTuple t = tuples.remove(key);
        if (t == null || t.getValueNode().getTag().equals(Tag.NULL)) {
            return null;
        }
        return t.getValueNode();
    }

    /** Reports every key that no getter has taken. */
    void finish() {
        for (String key : tuples.keySet()) {
            error(lines.get(key), key, "is not a known option");
        }
        tuples.clear();
    }

    private String scalar(String key, Node value) {
        if (!(value instanceof ScalarNode)) {
            error(line(value), key, "expected a single value");
            return null;
        }
        String raw = ((ScalarNode) value).getValue();
        try {
            return document.expand(raw);
        } catch (IllegalArgumentException e) {
            error(line(value), key, e.getMessage());
            return null;
        }
    }

    /** @return the expanded value, or {@code fallback} when absent (or empty while a fallback exists) */
    String string(String key, String fallback) {
        Node v = take(key);
        if (v == null) {
            return fallback;
        }
        String s = scalar(key, v);
        return s == null || s.isEmpty() && fallback != null ? fallback : s;
    }

    /** Applies {@code parser}, reporting its {@link IllegalArgumentException} at {@code key}. */
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

    /** Reads a nested mapping with {@code reader}, which gets the node and its dotted path. */
    <T> T mapping(String key, BiFunction<MappingNode, String, T> reader) {
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

    /** Whether the key's value is a mapping (rather than a single value or a list), without reading it. */
    boolean isMapping(String key) {
        NodeTuple t = tuples.get(key);
        return t != null && t.getValueNode() instanceof MappingNode;
    }

    /**
     * Reads a list whose items are single values or mappings: {@code [a, {address: b, weight: 3}]}.
     * {@code scalar} may throw {@link IllegalArgumentException}, reported at that item; items that
     * {@code mapping} rejects (null) are left out.
     */
    <T> List<T> mixedList(String key, BiFunction<String, String, T> scalar, BiFunction<MappingNode, String, T> mapping) {
        List<Node> items = items(key);
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String field = key + "[" + i + "]";
            Node item = items.get(i);
            if (item instanceof MappingNode) {
                T t = mapping.apply((MappingNode) item, qualify(field));
                if (t != null) {
                    out.add(t);
                }
                continue;
            }
            String s = scalar(field, item);
            if (s == null) {
                continue;
            }
            try {
                out.add(scalar.apply(s, field));
            } catch (IllegalArgumentException e) {
                error(line(item), field, e.getMessage());
            }
        }
        return out;
    }

    /** Reads a list of mappings; items that are not mappings, or that {@code reader} rejects (null), are left out. */
    <T> List<T> list(String key, BiFunction<MappingNode, String, T> reader) {
        List<Node> items = items(key);
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemPath = qualify(key) + "[" + i + "]";
            if (!(item instanceof MappingNode)) {
                document.error(line(item), itemPath, "expected a mapping");
                continue;
            }
            T t = reader.apply((MappingNode) item, itemPath);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Reads a list of scalars; {@code reader} gets the expanded value and its field name and may
     * throw {@link IllegalArgumentException}, which is reported at that item.
     */
    <T> List<T> scalarList(String key, BiFunction<String, String, T> reader) {
        List<Node> items = items(key);
        List<T> out = new ArrayList<>();
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

    /** The items of the list at {@code key}: none when it is absent, or when it is not a list (reported). */
    private List<Node> items(String key) {
        Node v = take(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof SequenceNode)) {
            error(line(v), key, "expected a list");
            return List.of();
        }
        return ((SequenceNode) v).getValue();
    }

    /** Reads a mapping of names to single values, in file order. */
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
