package io.swarmingress.proxy;

import java.util.Properties;

/**
 * System properties the proxy sets before Netty reads them, unless the command line set them
 * ({@code -Dname=value} always wins).
 */
final class RuntimeDefaults {
    /**
     * Leak tracking touches every message in every pipeline. Tests run it at paranoid; a production
     * proxy runs without it unless asked.
     */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";
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
        properties.putIfAbsent(LEAK_DETECTION, "disabled");
        properties.putIfAbsent(NETTY_JFR, "false");
    }
}
