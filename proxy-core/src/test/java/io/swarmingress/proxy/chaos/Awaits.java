package io.swarmingress.proxy.chaos;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;

/** Polling waits on the lab, which fail with the proxy's recent log when the proxy dies or time runs out. */
final class Awaits {
    interface Check {
        boolean ok() throws Exception;
    }

    private Awaits() {
    }

    static void until(String what, Duration timeout, LabProxy proxy, Check check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() - end < 0) {
            if (!proxy.process().isAlive()) {
                fail("the proxy exited (" + proxy.process().exitValue() + ") while waiting for " + what + ":\n" + proxy.log());
            }
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            sleep(Duration.ofMillis(100));
        }
        String log = proxy.log();
        fail("timed out after " + timeout + " waiting for " + what + (last == null ? "" : " (last error: " + last + ")")
                + "; proxy log (end):\n" + log.substring(Math.max(0, log.length() - 20_000)));
    }

    /** Lets a real system run for a while (Swarm, the load): the scenarios' time line, not a timing assertion. */
    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
