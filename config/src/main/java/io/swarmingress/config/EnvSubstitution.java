package io.swarmingress.config;

import java.util.function.UnaryOperator;

/**
 * Expands {@code ${NAME}} and {@code ${NAME:-default}} in a config scalar, as a shell or Compose
 * file would, so that one file can serve several stacks. An unset or empty variable without a
 * default is an error rather than an empty string: a missing address should stop the file, not
 * bind somewhere unintended.
 */
final class EnvSubstitution {
    private final UnaryOperator<String> environment;

    /** @param environment looks up a variable, null when unset */
    EnvSubstitution(UnaryOperator<String> environment) {
        this.environment = environment;
    }

    /**
     * @return {@code raw} with every reference replaced; the replacement text is not expanded again
     * @throws IllegalArgumentException for an unclosed {@code ${} or an unset variable without a default
     */
    String expand(String raw) {
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
