package io.swarmingress.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The relay of Swarm state between proxies. A proxy that reads the Swarm API ({@code source:
 * docker}, on a manager) serves the routed services and their tasks, as it last read them, on
 * {@code listen}; a proxy that cannot ({@code source: relay}, on a worker, with no Docker socket)
 * follows one of {@code from} and builds its routing table from that, with its own config file,
 * exactly as from its own reads. The relay serves that state and nothing else: no call of the
 * Docker API passes through it, and it only answers GET.
 *
 * @param listen where a proxy with {@code source: docker} serves its state; null for nowhere. A
 *               proxy with {@code source: relay} never serves (no chains of relays, whose data
 *               would only be older)
 * @param from the relays a proxy with {@code source: relay} follows, in failover order; a name
 *             that resolves to several addresses ({@code tasks.proxy:9091}) stands for each of them
 * @param tokenFile a file holding a shared secret, e.g. a Swarm secret: the relay then answers only
 *                  requests that carry it as a bearer token, and a follower sends it; null for none
 */
public record SwarmRelay(HostPort listen, List<HostPort> from, String tokenFile) {

    /** No relay: neither served nor followed. */
    public static final SwarmRelay NONE = new SwarmRelay(null, List.of(), null);

    public SwarmRelay {
        from = from == null ? List.of() : List.copyOf(from);
        Set<HostPort> seen = new HashSet<>();
        for (HostPort h : from) {
            if (h.port() == 0) {
                throw new InvalidFieldException("from", h + " has port 0 (expected: 1-65535)");
            }
            if (!seen.add(h)) {
                throw new InvalidFieldException("from", h + " is listed twice");
            }
        }
        if (tokenFile != null && tokenFile.isBlank()) {
            tokenFile = null;
        }
    }
}
