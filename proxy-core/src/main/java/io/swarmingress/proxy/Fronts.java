package io.swarmingress.proxy;

import java.util.List;
import java.util.Map;

import io.swarmingress.config.Protocol;
import io.swarmingress.proxy.h2.HttpFront;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.server.Front;
import io.swarmingress.proxy.server.Layer;
import io.swarmingress.proxy.tcp.TcpFront;
import io.swarmingress.proxy.tls.TlsLayer;

/** The protocol fronts of this build, one per entrypoint protocol, and the layers ahead of them: where protocols are wired to listeners. */
public final class Fronts {
    private Fronts() {
    }

    public static Map<Protocol, Front> all() {
        return Map.of(Protocol.HTTP, new HttpFront(), Protocol.TCP, new TcpFront());
    }

    /** What an entrypoint may ask for ahead of its front, in wire order: TLS termination. */
    public static List<Layer> layers(IngressMetrics metrics) {
        return List.of(TlsLayer.create(metrics));
    }
}
