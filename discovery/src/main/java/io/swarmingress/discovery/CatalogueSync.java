package io.swarmingress.discovery;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reads the {@link ReadScheduler} starts, carried through: the read on a reader thread, then
 * on the discovery loop either applied to the {@link ServiceCatalogue}, counted a success and
 * published, or, when it failed, counted a failure and not applied at all, so the catalogue keeps
 * what it had (stale-on-error).
 */
final class CatalogueSync implements ReadScheduler.Reads {
    private static final Logger log = LoggerFactory.getLogger(SwarmDiscovery.class);

    private final SwarmReader reader;
    private final Executor readers;
    private final DiscoveryLoop loop;
    private final ServiceCatalogue catalogue;
    private final SnapshotPublisher publisher;
    private final SyncStatus status;
    private final BooleanSupplier closed;

    /** @param closed true once discovery is closing: failures are then expected and not reported */
    CatalogueSync(SwarmReader reader, Executor readers, DiscoveryLoop loop, ServiceCatalogue catalogue,
                  SnapshotPublisher publisher, SyncStatus status, BooleanSupplier closed) {
        this.reader = reader;
        this.readers = readers;
        this.loop = loop;
        this.catalogue = catalogue;
        this.publisher = publisher;
        this.status = status;
        this.closed = closed;
    }

    @Override
    public CompletionStage<Set<String>> readAll() {
        long seq = catalogue.nextReadSeq();
        return read("full resync", () -> reader.readAll(seq), all -> catalogue.applyAll(all, seq));
    }

    @Override
    public CompletionStage<Set<String>> readSome(Set<String> ids) {
        long seq = catalogue.nextReadSeq();
        return read("refresh of " + ids.size() + " service(s)", () -> reader.readSome(ids, seq),
                found -> catalogue.applySome(ids, found, seq));
    }

    private <T> CompletionStage<Set<String>> read(String what, Supplier<T> read, Consumer<T> apply) {
        return CompletableFuture.supplyAsync(read, readers).handleAsync((result, error) -> {
            if (error != null) {
                if (!closed.getAsBoolean()) {
                    status.failed(what, error);
                }
                throw error instanceof CompletionException ? (CompletionException) error : new CompletionException(error);
            }
            try {
                apply.accept(result);
                status.succeeded();
                publisher.publish(catalogue, status.lastSuccess());
                return converging();
            } catch (RuntimeException e) {
                if (!closed.getAsBoolean()) {
                    log.error("Swarm discovery: unexpected failure; discovery goes on", e);
                }
                throw e;
            }
        }, loop);
    }

    /** The routed services Swarm is still moving, for the short re-reads. */
    private Set<String> converging() {
        Set<String> ids = new HashSet<>();
        for (SwarmService s : catalogue.matching(s -> publisher.routed(s) && s.converging())) {
            ids.add(s.id());
        }
        return ids;
    }
}
