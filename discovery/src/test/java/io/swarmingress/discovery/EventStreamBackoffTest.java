package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.swarmingress.config.SwarmProviderConfig;

/**
 * A manager whose socket is gone: the event stream retries with a backoff that doubles from
 * 200 ms to 5 s, and every wait is timed by the discovery loop (here moved by hand), not slept.
 */
class EventStreamBackoffTest {
    private static final Duration API_TIMEOUT = Duration.ofSeconds(7);

    @TempDir
    Path dir;

    @Test
    void retriesBackOffFrom200MillisecondsTo5SecondsOnTheLoopsTime() {
        ManualLoop loop = new ManualLoop();
        SwarmProviderConfig provider = SwarmProviderConfig.of(List.of("unix://" + dir.resolve("gone.sock")))
                .withTimings(Duration.ofSeconds(10), Duration.ofMillis(100), API_TIMEOUT);
        List<Duration> expected = List.of(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofSeconds(5), Duration.ofSeconds(5));
        try (DockerApi api = new DockerApi(provider, loop, (from, to) -> { });
             EventStream events = new EventStream(api, loop, new EventStream.Handler() {
                 @Override
                 public void onConnected(String endpoint) {
                     throw new AssertionError("nobody listens on " + endpoint);
                 }

                 @Override
                 public void onEvent(JsonNode event) {
                     throw new AssertionError("no event can come");
                 }
             })) {
            events.start();
            for (int i = 0; i < expected.size(); i++) {
                int pauses = i + 1;
                Awaitility.await("pause " + pauses).atMost(Duration.ofSeconds(10))
                        .until(() -> backoffs(loop).size() == pauses && loop.pending() == 1);
                assertThat(backoffs(loop)).containsExactlyElementsOf(expected.subList(0, pauses));
                loop.advance(expected.get(i)); // ends this pause: the stream tries again
            }
            Awaitility.await("the next attempt").atMost(Duration.ofSeconds(10))
                    .until(() -> backoffs(loop).size() == expected.size() + 1);
            assertThat(attempts(loop)).as("one attempt after each pause, and the first").isEqualTo(expected.size() + 1);
        }
    }

    /** The pauses among the loop's delays; the others are the open deadline of each attempt. */
    private static List<Duration> backoffs(ManualLoop loop) {
        return loop.delays().stream().filter(d -> !d.equals(API_TIMEOUT)).toList();
    }

    private static long attempts(ManualLoop loop) {
        return loop.delays().stream().filter(d -> d.equals(API_TIMEOUT)).count();
    }
}
