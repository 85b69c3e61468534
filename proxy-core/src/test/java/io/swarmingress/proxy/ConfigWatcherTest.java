package io.swarmingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher's reads are driven by hand here (its own schedule is an hour away). */
class ConfigWatcherTest {
    @TempDir
    Path dir;

    @Test
    void aFileCaughtHalfWrittenIsNotReportedOnlyTheContentTwoReadsAgreeOn() throws Exception {
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, "old: 1\n");
        List<String> seen = new ArrayList<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, Files.readAllBytes(file), Duration.ofHours(1),
                bytes -> seen.add(new String(bytes, StandardCharsets.UTF_8)))) {
            Files.writeString(file, "entrypoints: [");
            watcher.check();
            Files.writeString(file, "entrypoints: []\nnew: 2\n");
            watcher.check();
            assertThat(seen).as("nothing while the file keeps changing").isEmpty();
            watcher.check();
            assertThat(seen).containsExactly("entrypoints: []\nnew: 2\n");
            watcher.check();
            assertThat(seen).as("once").hasSize(1);
        }
    }

    @Test
    void aChangeThatIsUndoneBeforeItSettlesIsNeverReported() throws Exception {
        Path file = dir.resolve("ingress.yaml");
        Files.writeString(file, "old: 1\n");
        List<String> seen = new ArrayList<>();
        try (ConfigWatcher watcher = new ConfigWatcher(file, Files.readAllBytes(file), Duration.ofHours(1),
                bytes -> seen.add(new String(bytes, StandardCharsets.UTF_8)))) {
            Files.writeString(file, "");
            watcher.check();
            Files.writeString(file, "old: 1\n");
            watcher.check();
            watcher.check();
            assertThat(seen).isEmpty();
        }
    }
}
