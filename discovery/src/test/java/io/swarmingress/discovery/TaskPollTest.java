package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.github.benmanes.caffeine.cache.Ticker;

import io.swarmingress.discovery.SwarmService.Attachment;
import io.swarmingress.discovery.SwarmService.SwarmTask;

/**
 * The task poll, with time moved by hand: what it compares, when it asks for a re-read, how its
 * interval follows the cost of a read, and that a failing API changes nothing. The poll against a
 * real swarm, a task killed on another node, is measured by ClusterMeshIT.
 */
class TaskPollTest {
    private static final Duration INTERVAL = Duration.ofMillis(250);

    private final ManualLoop loop = new ManualLoop();
    /** How long the next read takes, in ticker time. */
    private final AtomicLong readCostNanos = new AtomicLong();
    private final AtomicLong extra = new AtomicLong();
    private final Ticker ticker = () -> loop.read() + extra.get();
    private final List<Set<String>> polled = new CopyOnWriteArrayList<>();
    private final List<Set<String>> reread = new CopyOnWriteArrayList<>();
    private volatile Map<String, List<SwarmTask>> answer = Map.of();
    private volatile RuntimeException failure;
    private final List<SwarmService> routed = new ArrayList<>();

    private TaskPoll poll(Duration interval) {
        return new TaskPoll(loop, ticker, interval, ids -> {
            polled.add(Set.copyOf(ids));
            extra.addAndGet(readCostNanos.get());
            if (failure != null) {
                throw failure;
            }
            return answer;
        }, Runnable::run, () -> List.copyOf(routed), reread::add);
    }

    private static SwarmTask task(String id, String state, String desired) {
        return new SwarmTask(id, state, desired, null, List.of(new Attachment("n", "appnet", false, List.of("10.0.1.5/24"))));
    }

    private static SwarmService service(String id, SwarmTask... tasks) {
        return new SwarmService(id, id, Map.of(), tasks.length, false, List.of(tasks), 1);
    }

    @Test
    void aTaskThatStoppedOrLeftIsRereadAtTheNextPoll() {
        routed.add(service("a", task("a1", "running", "running"), task("a2", "running", "running")));
        routed.add(service("b", task("b1", "running", "running")));
        answer = Map.of("a", List.of(task("a1", "running", "running"), task("a2", "running", "running")),
                "b", List.of(task("b1", "running", "running")));
        poll(INTERVAL).start();

        loop.advance(INTERVAL);
        assertThat(polled).singleElement().isEqualTo(Set.of("a", "b"));
        assertThat(reread).as("nothing changed").isEmpty();

        answer = Map.of("a", List.of(task("a1", "running", "running"), task("a2", "failed", "running")),
                "b", List.of(task("b1", "running", "running")));
        loop.advance(INTERVAL);
        assertThat(reread).containsExactly(Set.of("a"));

        answer = Map.of("a", List.of(task("a1", "running", "running"), task("a2", "running", "running")));
        loop.advance(INTERVAL);
        assertThat(reread).as("b's only task is no longer meant to run").containsExactly(Set.of("a"), Set.of("b"));
    }

    @Test
    void outgoingTasksTheCatalogueHoldsAreNotCompared() {
        routed.add(service("a", task("a1", "running", "running"), task("old", "running", "shutdown")));
        answer = Map.of("a", List.of(task("a1", "running", "running")));
        poll(INTERVAL).start();
        loop.advance(INTERVAL);
        assertThat(polled).hasSize(1);
        assertThat(reread).isEmpty();
    }

    @Test
    void theIntervalStretchesToFourTimesWhatAReadCosts() {
        routed.add(service("a", task("a1", "running", "running")));
        answer = Map.of("a", List.of(task("a1", "running", "running")));
        readCostNanos.set(Duration.ofMillis(100).toNanos()); // a large swarm: 100 ms a read
        poll(INTERVAL).start();

        loop.advance(INTERVAL);
        assertThat(polled).hasSize(1);
        loop.advance(Duration.ofMillis(399));
        assertThat(polled).as("not before 4 x 100 ms").hasSize(1);
        loop.advance(Duration.ofMillis(1));
        assertThat(polled).hasSize(2);

        readCostNanos.set(Duration.ofMillis(2).toNanos()); // cheap again: back to the interval
        loop.advance(Duration.ofMillis(400));
        loop.advance(INTERVAL);
        assertThat(polled).hasSize(4);
    }

    @Test
    void waitingForABusyReaderThreadDoesNotStretchTheInterval() {
        routed.add(service("a", task("a1", "running", "running")));
        answer = Map.of("a", List.of(task("a1", "running", "running")));
        readCostNanos.set(Duration.ofMillis(10).toNanos());
        // The reader thread is busy with another read for 500 ms before it gets to the poll's.
        TaskPoll p = new TaskPoll(loop, ticker, INTERVAL, ids -> {
            polled.add(Set.copyOf(ids));
            extra.addAndGet(readCostNanos.get());
            return answer;
        }, command -> {
            extra.addAndGet(Duration.ofMillis(500).toNanos());
            command.run();
        }, () -> List.copyOf(routed), reread::add);
        p.start();

        loop.advance(INTERVAL);
        assertThat(polled).hasSize(1);
        loop.advance(INTERVAL);
        assertThat(polled).as("the next poll after the interval, not after 4 x 510 ms").hasSize(2);
    }

    @Test
    void aFailingApiChangesNothingAndIsAskedAgainAfterTheInterval() {
        routed.add(service("a", task("a1", "running", "running")));
        failure = new CompletionException(new DockerApi.UnavailableException("no Docker manager answered"));
        readCostNanos.set(Duration.ofSeconds(3).toNanos()); // an election: the call waits for its deadline
        poll(INTERVAL).start();

        loop.advance(INTERVAL);
        assertThat(polled).hasSize(1);
        assertThat(reread).isEmpty();
        loop.advance(INTERVAL);
        assertThat(polled).as("the interval, not 20 x a failed call").hasSize(2);
    }

    @Test
    void aRoutedServiceThatIsGoneMakesThePolledServicesReread() {
        routed.add(service("a", task("a1", "running", "running")));
        routed.add(service("gone", task("g1", "running", "running")));
        failure = new CompletionException(new DockerApi.NotFoundException("service gone not found"));
        poll(INTERVAL).start();
        loop.advance(INTERVAL);
        assertThat(reread).containsExactly(Set.of("a", "gone"));
    }

    @Test
    void nothingToCompareBeforeTheFirstReadAndNoPollWhenTurnedOff() {
        poll(INTERVAL).start();
        loop.advance(INTERVAL.multipliedBy(3));
        assertThat(polled).as("no routed service yet").isEmpty();
        assertThat(loop.pending()).as("but it keeps looking").isEqualTo(1);

        ManualLoop other = new ManualLoop();
        new TaskPoll(other, other, Duration.ZERO, ids -> Map.of(), Runnable::run, () -> List.copyOf(routed), reread::add)
                .start();
        assertThat(other.pending()).isZero();
    }

    @Test
    void aClosedPollStops() {
        routed.add(service("a", task("a1", "running", "running")));
        answer = Map.of("a", List.of(task("a1", "running", "running")));
        TaskPoll p = poll(INTERVAL);
        p.start();
        loop.advance(INTERVAL);
        p.close();
        loop.advance(INTERVAL.multipliedBy(4));
        assertThat(polled).hasSize(1);
    }
}
