package io.swarmingress.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT start a graceful stop. A plain shutdown hook would make the JVM exit with
 * 143 after it; handling the signal lets the proxy drain and then exit 0, which orchestrators
 * (Swarm included) read as a clean stop.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    @SuppressWarnings("restriction")
    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                log.warn("cannot handle SIG{} ({}); falling back to a shutdown hook", name, e.getMessage());
                Runtime.getRuntime().addShutdownHook(new Thread(action, "shutdown"));
            }
        }
    }
}
