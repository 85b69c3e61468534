package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.swarmingress.config.SwarmProviderConfig;
import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * Stale-on-error: a read that fails (here: the manager's socket is gone) changes nothing but the
 * failure count. The successful path runs against the real lab in {@link SwarmDiscoveryTest}.
 */
class CatalogueSyncTest {
    private static final Instant EARLIER = Instant.parse("2026-11-28T07:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aFailedReadLeavesTheCatalogueTheSnapshotAndTheLastSuccessAsTheyWere() {
        ManualLoop loop = new ManualLoop();
        SnapshotRecorder recorder = new SnapshotRecorder();
        DiscoveryCounters counters = new DiscoveryCounters();
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of("unix://" + dir.resolve("gone.sock")))
                .withNetwork("appnet");
        SnapshotPublisher publisher = new SnapshotPublisher(new SnapshotBuilder(provider, List.of()), recorder);
        ServiceCatalogue catalogue = new ServiceCatalogue();
        SwarmService app = new SwarmService("id-app", "app", Map.of("ingress.enable", "true", "ingress.port", "8080"), 1,
                false, List.of(new SwarmTask("t1", "running", "running", null,
                        List.of(new Attachment("n", "appnet", false, List.of("10.0.1.5/24"))))), catalogue.nextReadSeq());
        catalogue.applyAll(List.of(app), app.readSeq());
        publisher.publish(catalogue, EARLIER);
        DiscoverySnapshot before = recorder.latest();
        SyncStatus status = new SyncStatus(Clock.fixed(EARLIER.plusSeconds(60), ZoneOffset.UTC), counters, () -> "x");

        try (DockerApi api = new DockerApi(provider.withTimings(Duration.ofSeconds(10), Duration.ofMillis(100),
                Duration.ofSeconds(2)), loop, (from, to) -> { })) {
            CatalogueSync sync = new CatalogueSync(new SwarmReader(api, publisher::routed), Runnable::run, loop,
                    catalogue, publisher, status, () -> false);
            CompletableFuture<Set<String>> all = sync.readAll().toCompletableFuture();
            CompletableFuture<Set<String>> some = sync.readSome(Set.of("id-app")).toCompletableFuture();

            assertThat(all).isCompletedExceptionally();
            assertThat(some).isCompletedExceptionally();
        }
        assertThat(catalogue.ids()).containsExactly("id-app");
        assertThat(catalogue.get("id-app")).isSameAs(app);
        assertThat(recorder.count()).isEqualTo(1);
        assertThat(publisher.current()).isSameAs(before);
        assertThat(status.lastSuccess()).isNull();
        assertThat(counters.syncs(false)).isEqualTo(2);
        assertThat(counters.syncs(true)).isZero();
    }
}
