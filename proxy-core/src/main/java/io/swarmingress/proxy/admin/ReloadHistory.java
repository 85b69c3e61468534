package io.swarmingress.proxy.admin;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

import io.swarmingress.config.ConfigError;

/**
 * The last config loads and what came of them, newest first, for {@code /api/v1/reloads} and the
 * dashboard: a reload that was refused keeps the previous config serving, so its errors are
 * otherwise only in the log. Bounded; written by the config watcher, read by the admin thread.
 */
public final class ReloadHistory {
    static final int CAPACITY = 20;

    /** Why a config was read. */
    public enum Trigger {
        /** The proxy started with it. */
        START,
        /** The file changed on disk. */
        FILE_CHANGE
    }

    /**
     * One load of the config file.
     *
     * @param generation the routing table it produced; 0 when it was refused
     * @param errors what was wrong with the file, each with file, line and field; empty when it loaded
     * @param message why a valid file could not be applied (a listener that cannot bind); null otherwise
     */
    public record Reload(Instant at, Trigger trigger, String file, boolean success, long generation, List<ConfigError> errors,
                         String message) {
        public Reload {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(trigger, "trigger");
            errors = List.copyOf(errors);
            if (success && (!errors.isEmpty() || message != null)) {
                throw new IllegalArgumentException("a successful load has no errors");
            }
        }
    }

    private final Deque<Reload> reloads = new ArrayDeque<>();
    private long successes;
    private long failures;

    public void succeeded(Instant at, Trigger trigger, String file, long generation) {
        add(new Reload(at, trigger, file, true, generation, List.of(), null));
    }

    /** The file did not parse or validate. */
    public void rejected(Instant at, String file, List<ConfigError> errors) {
        add(new Reload(at, Trigger.FILE_CHANGE, file, false, 0, errors, null));
    }

    /** The file was valid but could not be applied. */
    public void notApplied(Instant at, String file, String message) {
        add(new Reload(at, Trigger.FILE_CHANGE, file, false, 0, List.of(), message));
    }

    private synchronized void add(Reload r) {
        if (r.success()) {
            successes++;
        } else {
            failures++;
        }
        reloads.addFirst(r);
        while (reloads.size() > CAPACITY) {
            reloads.removeLast();
        }
    }

    /** The last loads, newest first (at most {@value #CAPACITY}). */
    public synchronized List<Reload> newestFirst() {
        return new ArrayList<>(reloads);
    }

    /** Loads that succeeded since the start, including those no longer listed. */
    public synchronized long successes() {
        return successes;
    }

    public synchronized long failures() {
        return failures;
    }
}
