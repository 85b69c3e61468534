package io.swarmingress.proxy;

import java.time.Duration;

/**
 * How the shutdown delay passes: a sleep when the proxy runs, a latch the test releases when it
 * has seen what it wanted to see, so that no test has to sleep for the delay or race it.
 */
@FunctionalInterface
interface ShutdownPause {
    ShutdownPause SLEEP = delay -> Thread.sleep(delay.toMillis());

    void pause(Duration delay) throws InterruptedException;
}
