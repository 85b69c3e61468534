package io.swarmingress.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The top-level {@code swarm:} section: which Docker Engine API to ask about Swarm services, and
 * how services become endpoints and label routes. Several endpoints are managers tried in order,
 * because a single manager can stop answering (restart, lost quorum, leader election) and the
 * proxy must keep learning about tasks through another one.
 *
 * @param endpoints Docker endpoints in failover order: {@code unix:///path} or {@code tcp://host:port}
 * @param tls client certificate files for {@code tcp://} endpoints; null for plain connections
 * @param labelPrefix prefix of the routing labels ({@code ingress.} gives {@code ingress.enable},
 *                    {@code ingress.http.host}, ...), so two proxies on one swarm can use their own
 * @param labels whether services labelled {@code <prefix>enable=true} are discovered and routed
 * @param network default overlay network of task addresses; null when each task's only network is meant
 * @param entrypoint entrypoint of label routes that do not name one; null when they must name it
 * @param resyncInterval period of the full re-read, the safety net for missed events
 * @param debounce how long a burst of events is collected before tasks are re-read (0 = at once)
 * @param apiTimeout bound of every API call, from connecting to the end of the body (a full read of a
 *                   large swarm is megabytes); then the next manager is asked. Also how long a relay
 *                   may take to connect, and stay silent, before the next one is followed
 * @param taskPollInterval how often the tasks of routed services are read to notice one that
 *                         stopped on another node (Swarm has no task events, and a container
 *                         event is seen only on its own node); stretched to 20 times the duration
 *                         of the last poll, so that a large swarm is not read all the time; zero
 *                         for never (then such a task is seen at the next resync)
 * @param source where Swarm state comes from: the Docker API at {@code endpoints}, or relays
 * @param relay the relay served (by a {@code docker} source) or followed (by a {@code relay} source)
 */
public record SwarmProviderConfig(List<String> endpoints, Tls tls, String labelPrefix, boolean labels, String network,
                                  String entrypoint, Duration resyncInterval, Duration debounce, Duration apiTimeout,
                                  Duration taskPollInterval, SwarmSource source, SwarmRelay relay, Location location) {

    /** The Docker convention when nothing else is said. */
    public static final String DEFAULT_ENDPOINT = "unix:///var/run/docker.sock";
    public static final String DEFAULT_LABEL_PREFIX = "ingress.";
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(100);
    public static final Duration DEFAULT_API_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_TASK_POLL_INTERVAL = Duration.ofMillis(250);

    /**
     * PEM files for mutual TLS with a {@code tcp://} Docker endpoint, as {@code docker --tlsverify}
     * uses them. All three are needed: the daemon checks the client and the client the daemon.
     */
    public record Tls(String ca, String cert, String key) {
        public Tls {
            require("ca", ca);
            require("cert", cert);
            require("key", key);
        }

        private static void require(String field, String file) {
            if (file == null || file.isBlank()) {
                throw new InvalidFieldException(field, "is required (a PEM file)");
            }
        }
    }

    public SwarmProviderConfig {
        endpoints = endpoints == null || endpoints.isEmpty() ? List.of(DEFAULT_ENDPOINT) : List.copyOf(endpoints);
        Set<String> seen = new HashSet<>();
        for (String e : endpoints) {
            checkEndpoint(e);
            if (!seen.add(e)) {
                throw new InvalidFieldException("endpoints", "'" + e + "' is listed twice");
            }
        }
        if (labelPrefix == null) {
            labelPrefix = DEFAULT_LABEL_PREFIX;
        }
        if (labelPrefix.isEmpty() || !labelPrefix.chars().allMatch(SwarmProviderConfig::labelChar)) {
            throw new InvalidFieldException("label_prefix", "'" + labelPrefix
                    + "' (expected: letters, digits, '.', '-', '_', '/', e.g. ingress.)");
        }
        if (network != null && network.isBlank()) {
            network = null;
        }
        if (entrypoint != null && entrypoint.isBlank()) {
            entrypoint = null;
        }
        if (entrypoint != null) {
            Names.require("entrypoint", entrypoint);
        }
        if (resyncInterval == null) {
            resyncInterval = DEFAULT_RESYNC_INTERVAL;
        }
        if (debounce == null) {
            debounce = DEFAULT_DEBOUNCE;
        }
        if (apiTimeout == null) {
            apiTimeout = DEFAULT_API_TIMEOUT;
        }
        if (resyncInterval.isNegative() || resyncInterval.isZero()) {
            throw new InvalidFieldException("resync_interval", Durations.format(resyncInterval) + " (expected: > 0)");
        }
        if (debounce.isNegative() || debounce.compareTo(resyncInterval) >= 0) {
            throw new InvalidFieldException("debounce", Durations.format(debounce)
                    + " (expected: >= 0 and below resync_interval " + Durations.format(resyncInterval) + ")");
        }
        if (apiTimeout.isNegative() || apiTimeout.isZero()) {
            throw new InvalidFieldException("api_timeout", Durations.format(apiTimeout) + " (expected: > 0)");
        }
        if (taskPollInterval == null) {
            taskPollInterval = DEFAULT_TASK_POLL_INTERVAL;
        }
        if (taskPollInterval.isNegative() || taskPollInterval.compareTo(resyncInterval) >= 0) {
            throw new InvalidFieldException("task_poll_interval", Durations.format(taskPollInterval)
                    + " (expected: 0 for never, or below resync_interval " + Durations.format(resyncInterval) + ")");
        }
        if (source == null) {
            source = SwarmSource.DOCKER;
        }
        if (relay == null) {
            relay = SwarmRelay.NONE;
        }
        if (source == SwarmSource.RELAY && relay.from().isEmpty()) {
            throw new InvalidFieldException("source", "relay needs relay.from: the relays of the proxies that read the"
                    + " Swarm API, e.g. [tasks.proxy:9091]");
        }
        if (location == null) {
            location = Location.NONE;
        }
    }

    /** With the default task poll, the Docker API as the source and no relay. */
    public SwarmProviderConfig(List<String> endpoints, Tls tls, String labelPrefix, boolean labels, String network,
                               String entrypoint, Duration resyncInterval, Duration debounce, Duration apiTimeout,
                               Location location) {
        this(endpoints, tls, labelPrefix, labels, network, entrypoint, resyncInterval, debounce, apiTimeout, null, null,
                null, location);
    }

    /** Every default, with the given endpoints (the Docker socket when empty); for code and tests. */
    public static SwarmProviderConfig of(List<String> endpoints) {
        return new SwarmProviderConfig(endpoints, null, DEFAULT_LABEL_PREFIX, true, null, null, DEFAULT_RESYNC_INTERVAL,
                DEFAULT_DEBOUNCE, DEFAULT_API_TIMEOUT, Location.NONE);
    }

    public SwarmProviderConfig withNetwork(String n) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, n, entrypoint, resyncInterval, debounce,
                apiTimeout, taskPollInterval, source, relay, location);
    }

    public SwarmProviderConfig withEntrypoint(String e) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, e, resyncInterval, debounce,
                apiTimeout, taskPollInterval, source, relay, location);
    }

    /** The task poll is kept when it stays below the new resync interval, else turned off. */
    public SwarmProviderConfig withTimings(Duration resync, Duration debounceTime, Duration timeout) {
        Duration poll = taskPollInterval.compareTo(resync) < 0 ? taskPollInterval : Duration.ZERO;
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, entrypoint, resync, debounceTime,
                timeout, poll, source, relay, location);
    }

    public SwarmProviderConfig withTaskPoll(Duration interval) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, entrypoint, resyncInterval, debounce,
                apiTimeout, interval, source, relay, location);
    }

    /** Takes Swarm state from these relays instead of the Docker API. */
    public SwarmProviderConfig followingRelays(SwarmRelay r) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, entrypoint, resyncInterval, debounce,
                apiTimeout, taskPollInterval, SwarmSource.RELAY, r, location);
    }

    /** Reads the Docker API and serves what it reads on this relay. */
    public SwarmProviderConfig serving(SwarmRelay r) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, entrypoint, resyncInterval, debounce,
                apiTimeout, taskPollInterval, SwarmSource.DOCKER, r, location);
    }

    /**
     * Whether the two ask the same managers the same way and turn services into endpoints and
     * label routes the same way: equal in everything but where they were written, so that a
     * reload which only moved the section (or edited the rest of the file) is not a change.
     */
    public boolean sameSettings(SwarmProviderConfig other) {
        return other != null && withLocation(Location.NONE).equals(other.withLocation(Location.NONE));
    }

    private SwarmProviderConfig withLocation(Location l) {
        return new SwarmProviderConfig(endpoints, tls, labelPrefix, labels, network, entrypoint, resyncInterval, debounce,
                apiTimeout, taskPollInterval, source, relay, l);
    }

    /** The full label name for a key such as {@code http.host}. */
    public String label(String key) {
        return labelPrefix + key;
    }

    private static boolean labelChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                || c == '_' || c == '/';
    }

    private static void checkEndpoint(String e) {
        String expected = " (expected: unix:///path/docker.sock or tcp://host:port)";
        if (e == null || e.isBlank()) {
            throw new InvalidFieldException("endpoints", "an endpoint is empty" + expected);
        }
        if (e.startsWith("unix://")) {
            if (!e.startsWith("unix:///") || e.length() == "unix:///".length()) {
                throw new InvalidFieldException("endpoints", "'" + e + "' needs an absolute socket path" + expected);
            }
            return;
        }
        if (e.startsWith("tcp://")) {
            String rest = e.substring("tcp://".length());
            if (rest.endsWith("/")) {
                rest = rest.substring(0, rest.length() - 1);
            }
            try {
                HostPort hp = HostPort.parse(rest, false);
                new URI("tcp", null, hp.host(), hp.port(), null, null, null);
            } catch (IllegalArgumentException | URISyntaxException ex) {
                throw new InvalidFieldException("endpoints", "'" + e + "': " + ex.getMessage() + expected);
            }
            return;
        }
        throw new InvalidFieldException("endpoints", "'" + e + "' has an unknown scheme" + expected);
    }
}
