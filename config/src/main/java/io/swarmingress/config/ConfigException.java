package io.swarmingress.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every error found in one config source. Unchecked so that record constructors can raise it;
 * callers that reload at run time catch it and keep the last good config.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
