package io.swarmingress.config;

/** The one rule for names of entrypoints and services: they end up in metric labels and URLs. */
final class Names {
    private Names() {
    }

    static String require(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidFieldException(field, "is required");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.';
            if (!ok) {
                throw new InvalidFieldException(field, "'" + name + "' has the character '" + c
                        + "' (expected: letters, digits, '-', '_', '.')");
            }
        }
        return name;
    }
}
