package io.swarmingress.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Which manager is asked first after failures, with the cool-down timed by a hand-moved ticker. */
class ManagerOrderTest {
    private final ManualLoop time = new ManualLoop();
    private final ManagerOrder order = new ManagerOrder(3, time);

    @Test
    void theListOrderWhileNothingFailed() {
        assertThat(order.preferred()).isZero();
        assertThat(order.order(0)).containsExactly(0, 1, 2);
    }

    @Test
    void aManagerThatFailedIsAskedLastForThirtySeconds() {
        order.failed(1);
        assertThat(order.order(0)).containsExactly(0, 2, 1);
        time.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(order.order(0)).containsExactly(0, 2, 1);
        time.advance(Duration.ofNanos(1));
        assertThat(order.order(0)).as("cooled down: back in list order").containsExactly(0, 1, 2);
    }

    @Test
    void theCoolDownCountsFromTheLatestFailure() {
        order.failed(1);
        time.advance(Duration.ofSeconds(20));
        order.failed(1);
        time.advance(Duration.ofSeconds(20));
        assertThat(order.order(0)).containsExactly(0, 2, 1);
        time.advance(Duration.ofSeconds(10));
        assertThat(order.order(0)).containsExactly(0, 1, 2);
    }

    @Test
    void anAnswerEndsTheCoolDown() {
        order.failed(1);
        order.answered(0, 1);
        assertThat(order.order(1)).containsExactly(1, 0, 2);
        assertThat(order.order(0)).containsExactly(0, 1, 2);
    }

    @Test
    void theManagerThatAnsweredIsAskedFirstAndTheSwitchIsReportedOnce() {
        order.failed(0);
        assertThat(order.answered(0, 2)).as("a failover").isTrue();
        assertThat(order.preferred()).isEqualTo(2);
        assertThat(order.order(2)).as("the failed first manager last").containsExactly(2, 1, 0);

        // a call that began before the switch and also ended on manager 2
        assertThat(order.answered(0, 2)).as("already reported").isFalse();
        assertThat(order.answered(2, 2)).isFalse();
        assertThat(order.preferred()).isEqualTo(2);
    }

    @Test
    void thePreferredManagerIsAskedFirstEvenWhileCooling() {
        order.answered(0, 1);
        order.failed(1);
        assertThat(order.order(1)).containsExactly(1, 0, 2);
    }
}
