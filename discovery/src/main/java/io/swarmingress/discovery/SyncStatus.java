package io.swarmingress.discovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the reads of Swarm state are going: when one last succeeded (the age of what is served),
 * the observer's sync counts, and the log, which says once that the API stopped answering and
 * once that it answers again rather than once per failed read. Changed on the discovery loop;
 * {@link #lastSuccess()} may be read from any thread.
 */
final class SyncStatus {
    private static final Logger log = LoggerFactory.getLogger(SwarmDiscovery.class);

    private final Clock clock;
    private final DiscoveryObserver observer;
    private final Supplier<String> activeEndpoint;
    private volatile Instant lastSuccess;
    private boolean failing;

    SyncStatus(Clock clock, DiscoveryObserver observer, Supplier<String> activeEndpoint) {
        this.clock = clock;
        this.observer = observer;
        this.activeEndpoint = activeEndpoint;
    }

    /** Null before the first successful read. */
    Instant lastSuccess() {
        return lastSuccess;
    }

    void succeeded() {
        lastSuccess = clock.instant();
        observer.onSync(true);
        if (failing) {
            failing = false;
            log.info("Swarm discovery: Docker API answers again ({})", activeEndpoint.get());
        }
    }

    /** @param what the read that failed, for the log */
    void failed(String what, Throwable error) {
        observer.onSync(false);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        Instant last = lastSuccess;
        String age = last == null ? "never synced"
                : "last success " + Duration.between(last, clock.instant()).toMillis() + " ms ago";
        if (!failing) {
            failing = true;
            log.warn("Swarm discovery: {} failed, keeping the last endpoints ({}): {}", what, age, cause.getMessage());
        } else {
            log.debug("Swarm discovery: {} failed ({}): {}", what, age, cause.getMessage());
        }
    }
}
