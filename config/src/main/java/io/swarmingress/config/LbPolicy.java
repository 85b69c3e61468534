package io.swarmingress.config;

/** How a service spreads requests or connections over its endpoints. */
public enum LbPolicy {
    ROUND_ROBIN("round_robin"),
    LEAST_CONN("least_conn");

    private final String configName;

    LbPolicy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static LbPolicy fromConfig(String value) {
        for (LbPolicy p : values()) {
            if (p.configName.equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: round_robin or least_conn)");
    }
}
