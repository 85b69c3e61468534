package io.swarmingress.proxy.routing;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.swarmingress.config.ServiceConfig;
import io.swarmingress.config.Timeouts;

/** A service as the data plane sees it in one routing table: its endpoints and their balancer. */
public final class Service {
    private final ServiceConfig config;
    private final List<Endpoint> endpoints;
    private final LoadBalancer loadBalancer;
    private final Counter connectErrors;

    Service(ServiceConfig config, List<Endpoint> endpoints, Counter connectErrors) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.loadBalancer = LoadBalancer.of(config.lb(), this.endpoints);
        this.connectErrors = connectErrors;
    }

    public String name() {
        return config.name();
    }

    public ServiceConfig config() {
        return config;
    }

    public Timeouts timeouts() {
        return config.timeouts();
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** @return null when the service has no endpoints (503) */
    public Endpoint pick() {
        return loadBalancer.pick();
    }

    public void connectFailed() {
        connectErrors.increment();
    }
}
