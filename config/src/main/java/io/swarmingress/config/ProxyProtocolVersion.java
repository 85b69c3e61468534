package io.swarmingress.config;

/**
 * A version of HAProxy's PROXY protocol: v1 is a line of text, v2 a binary header. Both carry the
 * client's address and port and the address it connected to.
 */
public enum ProxyProtocolVersion {
    V1("v1"),
    V2("v2");

    private final String configName;

    ProxyProtocolVersion(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static ProxyProtocolVersion fromConfig(String value) {
        for (ProxyProtocolVersion v : values()) {
            if (v.configName.equals(value)) {
                return v;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: v1 or v2)");
    }
}
