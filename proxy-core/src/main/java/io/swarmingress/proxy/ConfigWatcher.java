package io.swarmingress.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a changed config file and hands its new content to a callback, on its own thread so
 * that file I/O never touches an event loop. It compares content, not timestamps: editors that
 * replace the file, Swarm configs and Kubernetes-style symlink swaps all look the same, and
 * saving an unchanged file does nothing.
 *
 * <p>A change counts once two reads one interval apart agree: a file written in place is empty
 * or half-written for a moment, and a read in that moment would be reported as a failed reload
 * (or, worse, a shorter file that happens to parse) before the real content arrives.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Path file;
    private final Consumer<byte[]> onChange;
    private final ScheduledExecutorService executor;
    private byte[] last;
    /** Content that differs from {@link #last}, seen once and waiting for a second read to agree; null when none. */
    private byte[] settling;

    ConfigWatcher(Path file, byte[] initial, Duration interval, Consumer<byte[]> onChange) {
        this.file = file;
        this.onChange = onChange;
        this.last = initial;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "config-watcher");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void check() {
        byte[] now;
        try {
            now = Files.readAllBytes(file);
        } catch (IOException e) {
            // Mid-replace or deleted: keep serving what we have and look again next time.
            log.debug("cannot read {}: {}", file, e.toString());
            return;
        }
        if (Arrays.equals(now, last)) {
            settling = null;
            return;
        }
        if (!Arrays.equals(now, settling)) {
            settling = now;
            return;
        }
        settling = null;
        last = now;
        try {
            onChange.accept(now);
        } catch (RuntimeException e) {
            log.error("reloading {} failed", file, e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
