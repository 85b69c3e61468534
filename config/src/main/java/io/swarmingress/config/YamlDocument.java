package io.swarmingress.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One YAML file being read: its name, the errors found so far and how scalars are expanded.
 * Reading works on YAML nodes rather than binding to classes so that every error can name its
 * line, and it keeps going after an error so that one run lists all of them. Nothing here knows
 * the shape of the ingress config; {@link ConfigParser} does.
 */
final class YamlDocument {
    private final String file;
    private final EnvSubstitution environment;
    private final List<ConfigError> errors = new ArrayList<>();

    YamlDocument(String file, EnvSubstitution environment) {
        this.file = file;
        this.environment = environment;
    }

    /**
     * The root mapping of {@code text}. A file that is not YAML, or whose root is not a mapping,
     * cannot be read any further, so this one error is thrown at once.
     */
    static MappingNode root(String text, String fileName) {
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
        if (!(root instanceof MappingNode)) {
            int line = root == null ? 1 : line(root);
            throw new ConfigException(List.of(new ConfigError(fileName, line, "", "the config must be a mapping")));
        }
        return (MappingNode) root;
    }

    /** The keys of {@code node}, found at the dotted {@code path} ("" for the root). */
    YamlFields fields(MappingNode node, String path) {
        return new YamlFields(this, node, path);
    }

    String file() {
        return file;
    }

    /** @param field the full dotted path of the field */
    void error(int line, String field, String message) {
        errors.add(new ConfigError(file, line, field, message));
    }

    void error(ConfigError error) {
        errors.add(error);
    }

    /** @throws ConfigException listing every error reported so far, if there is one */
    void throwIfErrors() {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    int errorCount() {
        return errors.size();
    }

    /** @throws IllegalArgumentException as {@link EnvSubstitution#expand} */
    String expand(String raw) {
        return environment.expand(raw);
    }

    static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }
}
