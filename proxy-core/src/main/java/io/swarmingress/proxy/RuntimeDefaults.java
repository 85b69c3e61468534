package io.swarmingress.proxy;

import java.util.Properties;

/**
 * System properties the proxy sets before Netty reads them, unless the command line set them
 * ({@code -Dname=value} always wins). Netty's leak detection keeps its own default (a sample of
 * buffers, a report in the log): a leak in production should say where it came from.
 */
final class RuntimeDefaults {
    /**
     * Netty 4.2's buffer allocator emits JFR events. Checking whether they are enabled registers
     * them with JFR at the first allocation, which starts JFR's metadata machinery (about 500
     * classes and annotation proxies): 0.3 s of the first request after a start on one core, and
     * RSS, for events nobody records. A JFR profile still samples methods and allocations without them.
     */
    static final String NETTY_JFR = "io.netty.jfr.enabled";

    private RuntimeDefaults() {
    }

    static void apply(Properties properties) {
        properties.putIfAbsent(NETTY_JFR, "false");
    }
}
