package io.swarmingress.proxy.metrics;

import java.util.function.DoubleSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.swarmingress.discovery.DiscoveryObserver;

/**
 * Discovery's meters: reads of Swarm state by result, Docker events by type, and when the state
 * served was last read. The discovery module knows nothing of Micrometer; it reports to a
 * {@link DiscoveryObserver}, and this is the one that counts.
 */
final class DiscoveryMeters implements DiscoveryObserver {
    private final MeterRegistry registry;
    private final Counter ok;
    private final Counter failed;

    /** @param lastSuccessEpochSeconds when Swarm was last read successfully; NaN before the first success */
    DiscoveryMeters(MeterRegistry registry, DoubleSupplier lastSuccessEpochSeconds) {
        this.registry = registry;
        this.ok = syncs("success");
        this.failed = syncs("failure");
        Gauge.builder("ingress.discovery.last.success.timestamp", lastSuccessEpochSeconds, DoubleSupplier::getAsDouble)
                .description("When Swarm state was last read successfully, as Unix time; served data is this old")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
        for (String type : new String[] {"service", "container", "node", "network"}) {
            events(type);
        }
    }

    @Override
    public void onSync(boolean success) {
        (success ? ok : failed).increment();
    }

    @Override
    public void onEvent(String type) {
        events(type).increment();
    }

    private Counter syncs(String result) {
        return Counter.builder("ingress.discovery.syncs")
                .description("Reads of Swarm state, by result; a failure keeps the last endpoints serving")
                .tag("result", result)
                .register(registry);
    }

    private Counter events(String type) {
        return Counter.builder("ingress.discovery.events")
                .description("Docker events received, by type; each may trigger a re-read of tasks")
                .tag("type", type)
                .register(registry);
    }
}
