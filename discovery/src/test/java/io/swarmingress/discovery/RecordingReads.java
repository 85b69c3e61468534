package io.swarmingress.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.github.benmanes.caffeine.cache.Ticker;

/** Reads that only record when they started; the test ends each one, successfully or not. */
final class RecordingReads implements ReadScheduler.Reads {

    /** One read; {@code ids} is null for a full read. */
    record Read(long startedAt, Set<String> ids, CompletableFuture<Set<String>> result) {
        boolean full() {
            return ids == null;
        }

        /** Ends the read successfully, with these routed services still converging. */
        void succeed(String... converging) {
            result.complete(Set.of(converging));
        }

        void fail() {
            result.completeExceptionally(new IllegalStateException("no Docker manager answered"));
        }
    }

    private final Ticker ticker;
    private final List<Read> started = new ArrayList<>();

    RecordingReads(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public CompletionStage<Set<String>> readAll() {
        return start(null);
    }

    @Override
    public CompletionStage<Set<String>> readSome(Set<String> ids) {
        return start(Set.copyOf(ids));
    }

    private CompletionStage<Set<String>> start(Set<String> ids) {
        Read r = new Read(ticker.read(), ids, new CompletableFuture<>());
        started.add(r);
        return r.result();
    }

    List<Read> started() {
        return List.copyOf(started);
    }

    Read last() {
        return started.get(started.size() - 1);
    }

    int count() {
        return started.size();
    }
}
