package io.swarmingress.config;

/**
 * Where the admin listener ({@code /}, {@code /api/v1/...}, {@code /metrics}, {@code /healthz},
 * {@code /routes}) is served, and who may read it.
 *
 * @param htpasswd an htpasswd file of bcrypt entries ({@code htpasswd -B}); when set, everything
 *                 but {@code /healthz} needs HTTP basic auth from one of its users. Null (or
 *                 empty, as {@code ${VAR:-}} gives) for no auth: then keep the address on
 *                 loopback or behind a firewall. Read when the admin listener starts
 */
public record AdminConfig(HostPort address, String htpasswd) {

    public AdminConfig {
        if (address == null) {
            throw new InvalidFieldException("address", "is required");
        }
        if (htpasswd != null && htpasswd.isBlank()) {
            htpasswd = null;
        }
    }

    /** Without auth. */
    public AdminConfig(HostPort address) {
        this(address, null);
    }
}
