package io.swarmingress.config;

/**
 * One problem found in a config source, located precisely enough that a person can fix it
 * without guessing: the file, the line and the dotted field path.
 */
public record ConfigError(String file, int line, String field, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + field + ": " + message;
    }
}
