package io.swarmingress.config;

/**
 * What a service's endpoints speak. HTTP/1.1 by default, whatever the client speaks; {@code h2c}
 * (HTTP/2 in cleartext, with prior knowledge) for backends that need HTTP/2 end to end, gRPC above
 * all: its trailers and long-lived streams have no faithful HTTP/1.1 form.
 */
public enum UpstreamProtocol {
    HTTP1("http1"),
    H2C("h2c");

    private final String configName;

    UpstreamProtocol(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static UpstreamProtocol fromConfig(String value) {
        for (UpstreamProtocol p : values()) {
            if (p.configName.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: http1 or h2c)");
    }
}
