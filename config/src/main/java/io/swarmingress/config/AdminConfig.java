package io.swarmingress.config;

/**
 * Where the admin listener ({@code /}, {@code /api/v1/...}, {@code /metrics}, {@code /healthz},
 * {@code /routes}) is served, and who may read it.
 *
 * @param probes   optional second listener serving only {@code /healthz} and {@code /metrics}: what
 *                 load balancers and Prometheus need from the network, while {@code address} (the
 *                 dashboard, its API and {@code /routes}) stays on loopback. Null for none
 * @param htpasswd an htpasswd file of bcrypt entries ({@code htpasswd -B}); when set, everything
 *                 but {@code /healthz} needs HTTP basic auth from one of its users. Null (or
 *                 empty, as {@code ${VAR:-}} gives) for no auth: then keep the address on
 *                 loopback or behind a firewall. Read when the admin listener starts
 */
public record AdminConfig(HostPort address, HostPort probes, String htpasswd) {

    public AdminConfig {
        if (address == null) {
            throw new InvalidFieldException("address", "is required");
        }
        if (probes != null && probes.port() != 0 && probes.port() == address.port()) {
            throw new InvalidFieldException("probes", "port " + probes.port() + " is the admin address's port "
                    + "(one listener on both would collide): choose another");
        }
        if (htpasswd != null && htpasswd.isBlank()) {
            htpasswd = null;
        }
    }

    /** Without auth. */
    public AdminConfig(HostPort address) {
        this(address, null, null);
    }
}
