package io.swarmingress.config;

import java.util.Map;

/**
 * Where a record was declared: the file (or another origin such as a Swarm service's labels),
 * the line of the record and the line of each of its fields, so that checks made after parsing
 * (unknown service, duplicate name) still point at the exact line.
 */
public record Location(String file, int line, Map<String, Integer> fieldLines) {

    /** For records built in code, where no file exists. */
    public static final Location NONE = new Location("<code>", 0, Map.of());

    public Location {
        fieldLines = Map.copyOf(fieldLines);
    }

    public static Location of(String origin) {
        return new Location(origin, 0, Map.of());
    }

    public int lineOf(String field) {
        return fieldLines.getOrDefault(field, line);
    }

    public ConfigError error(String prefix, String field, String message) {
        return new ConfigError(file, lineOf(field), prefix.isEmpty() ? field : prefix + "." + field, message);
    }
}
