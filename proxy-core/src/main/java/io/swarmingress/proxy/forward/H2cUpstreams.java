package io.swarmingress.proxy.forward;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.netty.util.AsciiString;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.FastThreadLocal;
import io.swarmingress.config.HostPort;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Service;

/**
 * The h2c connections of one event loop, by endpoint: the counterpart of {@link UpstreamPool} for
 * services with {@code protocol: h2c}. An exchange gets a stream on the first connection to its
 * endpoint with room ({@link H2cConnection#takesStream}); when none has, another connection is
 * opened, up to {@value #MAX_CONNECTIONS_PER_ENDPOINT} per endpoint and loop, and past that the
 * least busy one takes the stream and Netty's encoder queues it until the endpoint allows more
 * (bounded: each client connection has at most its own stream limit of requests in progress).
 *
 * <p>A stream is used by one exchange and closed after it: the {@link UpstreamConnection} around
 * it is released into a pool that is closed from the start. Like the pool, it needs no lock:
 * everything happens on its loop.
 */
final class H2cUpstreams {
    static final int MAX_CONNECTIONS_PER_ENDPOINT = 8;
    private static final AsciiString TE = AsciiString.cached("te");

    private static final FastThreadLocal<H2cUpstreams> LOOPS = new FastThreadLocal<>() {
        @Override
        protected H2cUpstreams initialValue() {
            return new H2cUpstreams();
        }
    };

    private final Map<HostPort, List<H2cConnection>> connections = new HashMap<>();
    /** Where a stream's connection goes when its exchange ends: nowhere, it is closed. */
    private final UpstreamPool spent = UpstreamPool.privateScope();

    private H2cUpstreams() {
        spent.close();
    }

    static H2cUpstreams current() {
        return LOOPS.get();
    }

    /** Retires, on each loop, the connections to endpoints {@code live} no longer names (they close once their streams end). */
    static void retainEverywhere(EventExecutorGroup loops, Predicate<HostPort> live) {
        for (EventExecutor loop : loops) {
            loop.execute(() -> current().retain(live));
        }
    }

    /** Sends the exchange's request on a new stream to the endpoint: the h2c form of {@link Forwarder#send}. */
    void send(Forwarder forwarder, Exchange exchange, Service service, Endpoint endpoint, RequestHead head, String path,
              Retries retries) {
        UpstreamConnection c = new UpstreamConnection(exchange, endpoint, service.timeouts(), spent);
        exchange.using(c);
        c.lease(exchange);
        boolean headRequest = head.methodIs("HEAD");
        c.framer.start(headRequest);
        c.write(head.encode(forwarder.alloc, path, head.host() == null ? endpoint.address().toString() : null));
        retries.resend(c);
        boolean teTrailers = "trailers".equalsIgnoreCase(head.get(TE));
        H2cConnection connection = connectionTo(forwarder, service, endpoint);
        c.attach(connection.openStream(new H2cStreamCodec(headRequest, teTrailers, c), c));
    }

    private H2cConnection connectionTo(Forwarder forwarder, Service service, Endpoint endpoint) {
        List<H2cConnection> list = connections.computeIfAbsent(endpoint.address(), a -> new ArrayList<>(2));
        H2cConnection leastBusy = null;
        for (H2cConnection c : list) {
            if (c.takesStream()) {
                return c;
            }
            if (c.usable() && (leastBusy == null || c.streams() < leastBusy.streams())) {
                leastBusy = c;
            }
        }
        if (leastBusy != null && list.size() >= MAX_CONNECTIONS_PER_ENDPOINT) {
            return leastBusy;
        }
        H2cConnection c = H2cConnection.open(endpoint.address(), endpoint.socketAddress(), service.timeouts(), forwarder.loop,
                forwarder.channelType);
        list.add(c);
        c.closeFuture().addListener(f -> forget(c));
        return c;
    }

    private void forget(H2cConnection c) {
        List<H2cConnection> list = connections.get(c.address);
        if (list != null) {
            list.remove(c);
            if (list.isEmpty()) {
                connections.remove(c.address);
            }
        }
    }

    private void retain(Predicate<HostPort> live) {
        for (List<H2cConnection> list : new ArrayList<>(connections.values())) {
            for (H2cConnection c : new ArrayList<>(list)) {
                if (!live.test(c.address)) {
                    c.retire();
                }
            }
        }
    }
}
