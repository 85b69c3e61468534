package io.swarmingress.proxy;

import java.util.Map;

import io.swarmingress.config.Protocol;
import io.swarmingress.proxy.h2.HttpFront;
import io.swarmingress.proxy.server.Front;
import io.swarmingress.proxy.tcp.TcpFront;

/** The protocol fronts of this build, one per entrypoint protocol: where protocols are wired to listeners. */
public final class Fronts {
    private Fronts() {
    }

    public static Map<Protocol, Front> all() {
        return Map.of(Protocol.HTTP, new HttpFront(), Protocol.TCP, new TcpFront());
    }
}
