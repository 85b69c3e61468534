package io.swarmingress.config;

/** How a service spreads requests or connections over its endpoints. */
public enum LbPolicy {
    /** In turn, in proportion to the endpoints' weights. */
    ROUND_ROBIN("round_robin"),
    /** The fewest requests (or connections) in flight per unit of weight. */
    LEAST_CONN("least_conn"),
    /** Power of two choices: the cheaper of two random endpoints by in-flight count times peak EWMA latency. */
    P2C("p2c"),
    /** Consistent hashing of a key of the request ({@link HashOn}): a key stays on its endpoint while it is there. */
    HASH("hash");

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
        throw new IllegalArgumentException("'" + value + "' (expected: round_robin, least_conn, p2c or hash)");
    }
}
