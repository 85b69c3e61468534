package io.swarmingress.config;

/**
 * Where a proxy learns about Swarm services and tasks. Only managers answer the Swarm API, and a
 * proxy on a worker should hold no Docker socket at all, so proxies on workers follow the
 * proxies on managers instead of Docker.
 */
public enum SwarmSource {
    /** The Engine API at {@code swarm.endpoints} (a manager's socket, or managers over TCP+TLS). */
    DOCKER("docker"),
    /** The relays at {@code swarm.relay.from}: proxies that read the Swarm API and serve what they read. */
    RELAY("relay");

    private final String configName;

    SwarmSource(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static SwarmSource fromConfig(String value) {
        for (SwarmSource s : values()) {
            if (s.configName.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: docker or relay)");
    }
}
