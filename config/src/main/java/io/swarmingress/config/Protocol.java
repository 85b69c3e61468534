package io.swarmingress.config;

/** What an entrypoint speaks: parsed HTTP/1.1 with routes, or a byte relay to one service. */
public enum Protocol {
    HTTP("http"),
    TCP("tcp");

    private final String configName;

    Protocol(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Protocol fromConfig(String value) {
        for (Protocol p : values()) {
            if (p.configName.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: http or tcp)");
    }
}
