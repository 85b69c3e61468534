package io.swarmingress.config;

/**
 * Endpoints taken from a Swarm service's running tasks instead of a static list.
 *
 * @param network overlay network whose task addresses are used; null means the provider default
 */
public record SwarmServiceRef(String service, int port, String network) {

    public SwarmServiceRef {
        if (service == null || service.isEmpty()) {
            throw new InvalidFieldException("swarm.service", "is required");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidFieldException("swarm.port", port + " (expected: 1-65535)");
        }
    }
}
