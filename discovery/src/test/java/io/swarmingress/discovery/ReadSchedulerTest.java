package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.swarmingress.discovery.RecordingReads.Read;

/** When reads happen, with time moved by hand: debounce, resync, the short re-reads and their give-up. */
class ReadSchedulerTest {
    private static final Duration DEBOUNCE = Duration.ofMillis(100);
    private static final Duration RESYNC = Duration.ofSeconds(10);

    private final ManualLoop loop = new ManualLoop();
    private final RecordingReads reads = new RecordingReads(loop);
    private final ReadScheduler scheduler = new ReadScheduler(loop, loop, DEBOUNCE, RESYNC, reads);

    private long elapsedMs(Read r, long since) {
        return Duration.ofNanos(r.startedAt() - since).toMillis();
    }

    @Test
    void requestsWithinTheDebounceAreReadTogetherOnceTheDebounceAfterTheFirstIsOver() {
        long t0 = loop.read();
        scheduler.requestTasks("a");
        loop.advance(Duration.ofMillis(50));
        scheduler.requestService("b");
        scheduler.requestTasks("a");
        loop.advance(Duration.ofMillis(49));
        assertThat(reads.count()).isZero();

        loop.advance(Duration.ofMillis(1));
        assertThat(reads.started()).singleElement().satisfies(r -> {
            assertThat(r.ids()).containsExactlyInAnyOrder("a", "b");
            assertThat(elapsedMs(r, t0)).isEqualTo(100);
        });
    }

    @Test
    void aFullReadAskedForDuringTheDebounceCoversTheServicesAskedFor() {
        scheduler.requestTasks("a");
        scheduler.requestFull();
        scheduler.requestService("b");
        loop.advance(DEBOUNCE);
        assertThat(reads.started()).singleElement().satisfies(r -> assertThat(r.full()).isTrue());

        loop.advance(Duration.ofSeconds(1));
        assertThat(reads.count()).as("nothing left over for a second read").isEqualTo(1);
    }

    @Test
    void aServiceAskedForWhileItsReadRunsIsReadOnceMoreAfterIt() {
        scheduler.requestTasks("a");
        loop.advance(DEBOUNCE);
        Read first = reads.last();

        scheduler.requestTasks("a"); // may have come after the read in flight looked
        scheduler.requestTasks("b");
        loop.advance(DEBOUNCE);
        assertThat(reads.last().ids()).as("b at once, a not beside its own read").containsExactly("b");

        first.succeed();
        assertThat(reads.count()).isEqualTo(3);
        assertThat(reads.last().ids()).containsExactly("a");
        assertThat(reads.last().startedAt()).as("right after the first ended").isEqualTo(loop.read());
    }

    @Test
    void fullReadsComeEveryResyncIntervalAndNeverOverlap() {
        long t0 = loop.read();
        scheduler.start();
        Read first = reads.last();
        assertThat(first.full()).isTrue();
        assertThat(first.startedAt()).isEqualTo(t0);

        loop.advance(RESYNC); // the first read still runs: the resync waits for it
        assertThat(reads.count()).isEqualTo(1);
        loop.advance(Duration.ofSeconds(3));
        first.succeed();
        assertThat(reads.count()).isEqualTo(2);
        assertThat(elapsedMs(reads.last(), t0)).isEqualTo(13_000);

        reads.last().succeed();
        loop.advance(Duration.ofSeconds(7));
        assertThat(reads.count()).isEqualTo(3);
        assertThat(elapsedMs(reads.last(), t0)).as("the resync timer keeps its own period").isEqualTo(20_000);
        assertThat(reads.started()).allSatisfy(r -> assertThat(r.full()).isTrue());
    }

    @Test
    void aConvergingServiceIsReReadEvery100MillisecondsAndLeftToEventsAfterAMinute() {
        ReadScheduler slowResync = new ReadScheduler(loop, loop, DEBOUNCE, Duration.ofHours(1), reads);
        slowResync.start();
        long seen = loop.read();
        reads.last().succeed("a");

        int reReads = 0;
        for (int i = 0; i < 700; i++) {
            loop.advance(Duration.ofMillis(100));
            Read r = reads.last();
            if (!r.result().isDone()) {
                assertThat(r.ids()).containsExactly("a");
                assertThat(Duration.ofNanos(r.startedAt() - seen)).isEqualTo(Duration.ofMillis(100L * (reReads + 1)));
                reReads++;
                r.succeed("a"); // still converging
            }
        }
        assertThat(reReads).as("every 100 ms for 60 s").isEqualTo(600);
        assertThat(loop.pending()).as("only the resync is left").isEqualTo(1);

        // a container event reads it once, without starting the re-reads again
        slowResync.requestTasks("a");
        loop.advance(DEBOUNCE);
        reads.last().succeed("a");
        loop.advance(Duration.ofSeconds(1));
        assertThat(reads.count()).isEqualTo(1 + 600 + 1);

        // a change of the service itself gives it a new minute
        slowResync.requestService("a");
        loop.advance(DEBOUNCE);
        reads.last().succeed("a");
        loop.advance(Duration.ofMillis(100));
        assertThat(reads.count()).isEqualTo(1 + 600 + 2 + 1);
        assertThat(reads.last().ids()).containsExactly("a");
    }

    @Test
    void aServiceThatSettlesIsNoLongerReReadAndGetsANewMinuteWhenItConvergesAgain() {
        ReadScheduler slowResync = new ReadScheduler(loop, loop, DEBOUNCE, Duration.ofHours(1), reads);
        slowResync.start();
        reads.last().succeed("b");
        loop.advance(Duration.ofMillis(100));
        assertThat(reads.last().ids()).containsExactly("b");
        reads.last().succeed(); // settled
        loop.advance(Duration.ofSeconds(70));
        assertThat(reads.count()).as("no re-reads once settled").isEqualTo(2);

        // 70 s after it first converged, a container event finds it converging again
        slowResync.requestTasks("b");
        loop.advance(DEBOUNCE);
        reads.last().succeed("b");
        loop.advance(Duration.ofMillis(100));
        assertThat(reads.count()).isEqualTo(4);
        assertThat(reads.last().ids()).containsExactly("b");
    }

    @Test
    void aFailedReadStartsNoReReadsAndTheResyncGoesOn() {
        scheduler.start();
        reads.last().fail();
        loop.advance(Duration.ofSeconds(1));
        assertThat(reads.count()).isEqualTo(1);
        loop.advance(Duration.ofSeconds(9));
        assertThat(reads.count()).isEqualTo(2);
        assertThat(reads.last().full()).isTrue();
    }

    @Test
    void nothingIsReadAfterClose() {
        scheduler.start();
        reads.last().succeed("a");
        scheduler.requestFull();
        scheduler.close();
        loop.advance(Duration.ofMinutes(1));
        scheduler.requestTasks("b");
        loop.advance(Duration.ofMinutes(1));
        assertThat(reads.count()).isEqualTo(1);
        assertThat(loop.pending()).isZero();
    }

    @Test
    void readsAskedForBeforeStartWaitOnlyForTheDebounce() {
        scheduler.requestTasks("x");
        loop.advance(DEBOUNCE);
        assertThat(reads.started()).extracting(Read::ids).containsExactly(Set.of("x"));
    }
}
