package io.swarmingress.config;

/** Where {@code /metrics}, {@code /healthz} and {@code /routes} are served. */
public record AdminConfig(HostPort address) {

    public AdminConfig {
        if (address == null) {
            throw new InvalidFieldException("address", "is required");
        }
    }
}
