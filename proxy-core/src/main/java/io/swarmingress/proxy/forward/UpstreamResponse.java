package io.swarmingress.proxy.forward;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.swarmingress.proxy.metrics.ServiceMeters.RetryReason;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * The endpoint's answer to one {@link Exchange}, as its upstream connection's framer reads it:
 * interim heads passed on, a 101 that ends the exchange in a {@link Tunnel} or in a 502, a 502 or
 * 503 that may be retried on another endpoint, then the final head, its body and its end, which
 * decides whether the connection goes back to the pool.
 *
 * <p>Apart from {@link Exchange} because the response has rules of its own (which heads are
 * passed on, which are retried, when an upgrade is followed, when a connection may be reused)
 * that read best together, while the exchange keeps what both directions share: its state, its
 * deadlines and the ways it ends. It changes that state directly, as a part of the exchange; it
 * ignores everything once the exchange has ended, like the exchange.
 */
final class UpstreamResponse implements ResponseFramer.Sink {
    private final Exchange exchange;
    private boolean reusable;

    UpstreamResponse(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void onResponseHead(ResponseFramer response) {
        int code = response.status();
        if (code < 200) {
            if (code == 101) {
                if (exchange.head.webSocketUpgrade() && response.switchesToWebSocket()) {
                    switchProtocols(response);
                } else if (exchange.head.webSocketUpgrade()) {
                    exchange.fail(HttpResponseStatus.BAD_GATEWAY,
                            "a 101 without 'Upgrade: websocket' from an endpoint of '" + exchange.service.name() + "'");
                } else {
                    // Only WebSocket upgrades are offered upstream (other Upgrade lines are dropped): a broken peer.
                    exchange.fail(HttpResponseStatus.BAD_GATEWAY, "unexpected 101 from an endpoint of '" + exchange.service.name() + "'");
                }
                return;
            }
            exchange.down.onInterim(response);
            // Interim responses are answers too: a client that does not read them stops the upstream.
            if (!exchange.down.isWritable()) {
                exchange.upstream.autoRead(false);
            }
            return;
        }
        long now = exchange.clock.now();
        exchange.service.responded(exchange.endpoint, code, now, exchange.clock.sinceAttemptSent(now));
        Endpoint next = code == 502 || code == 503 ? exchange.retries.next(code == 502 ? RetryReason.STATUS_502 : RetryReason.STATUS_503,
                exchange.service, exchange.endpoint, now) : null;
        if (next != null) {
            // Not passed on: the next endpoint may answer. The connection, mid-response, is not reused.
            exchange.retry(next);
            return;
        }
        exchange.responseStarted = true;
        exchange.retries.responseStarted();
        exchange.status = code;
        reusable = response.keepAlive() && !response.endsAtClose();
        exchange.down.onResponseHead(response, exchange.service.stickyCookie(exchange.endpoint, exchange.head));
    }

    /**
     * The endpoint accepted the upgrade: the exchange ends (counted as a 101) and its upstream
     * connection and endpoint go to a {@link Tunnel}, which the front relays through.
     */
    private void switchProtocols(ResponseFramer response) {
        exchange.service.responded(exchange.endpoint, 101, exchange.forwarder.ticker.nanoTime());
        exchange.responseStarted = true;
        exchange.retries.responseStarted();
        exchange.status = 101;
        UpstreamConnection c = exchange.upstream;
        exchange.upstream = null;
        Endpoint e = exchange.endpoint;
        // The tunnel holds the endpoint until it closes; the exchange no longer does.
        exchange.endpoint = null;
        Tunnel tunnel = new Tunnel(c.channel, e, exchange.metrics, exchange.service.timeouts().tunnel().toNanos(),
                response.switchProtocols());
        c.handOver(tunnel);
        exchange.end();
        exchange.down.onUpgraded(response, tunnel);
    }

    @Override
    public void onResponseBody(ByteBuf bytes) {
        if (exchange.done) {
            bytes.release();
            return;
        }
        exchange.down.onResponseBody(bytes);
        if (!exchange.down.isWritable() && !exchange.done) {
            exchange.upstream.autoRead(false);
        }
    }

    @Override
    public void onResponseTrailer(AsciiString lowerName, AsciiString value) {
        if (!exchange.done) {
            exchange.down.onResponseTrailer(lowerName, value);
        }
    }

    @Override
    public void onResponseEnd(boolean clean) {
        if (exchange.done) {
            return;
        }
        // An answer before the whole request went up (e.g. 413) leaves the upstream out of step: not
        // reused; nor is a connection to an endpoint that left the service, nor one whose endpoint
        // refused an upgrade (it may have switched all the same: its next bytes cannot be trusted).
        exchange.upstream.release(reusable && clean && exchange.requestComplete && !exchange.endpoint.removed()
                && !exchange.head.webSocketUpgrade());
        exchange.upstream = null;
        exchange.end();
        exchange.down.onResponseEnd();
    }

    @Override
    public void onResponseError(String reason) {
        exchange.fail(HttpResponseStatus.BAD_GATEWAY,
                "invalid response from an endpoint of '" + exchange.service.name() + "': " + reason);
    }
}
