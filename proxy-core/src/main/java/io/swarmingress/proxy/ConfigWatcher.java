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
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Path file;
    private final Consumer<byte[]> onChange;
    private final ScheduledExecutorService executor;
    private byte[] last;

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

    private void check() {
        byte[] now;
        try {
            now = Files.readAllBytes(file);
        } catch (IOException e) {
            // Mid-replace or deleted: keep serving what we have and look again next time.
            log.debug("cannot read {}: {}", file, e.toString());
            return;
        }
        if (Arrays.equals(now, last)) {
            return;
        }
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
