package io.swarmingress.proxy.forward;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.swarmingress.proxy.metrics.ServiceMeters.RetryReason;
import io.swarmingress.proxy.routing.Endpoint;

/**
 * The ways the current attempt of one {@link Exchange} fails without an answer: the connect
 * failed, the endpoint closed the connection, it fell silent, or it refused the stream. Each
 * tells the service's passive health what it means (or, for a refusal, nothing), and sends the
 * request to another endpoint when the retry rules allow, else ends the exchange in a 502, or in a
 * cut once the response started.
 *
 * <p>Apart from {@link Exchange} for the reason {@link UpstreamResponse} is: these are rules of
 * their own (which failure counts against the endpoint, which may be retried whatever the method,
 * which must go elsewhere) that read best side by side, while the exchange keeps its state, checks
 * that an event is about its current attempt, and keeps the ways it ends. It changes the
 * exchange's state directly, as a part of the exchange, and is called only while it has not ended.
 */
final class UpstreamFailures {
    private static final Logger log = LoggerFactory.getLogger(UpstreamFailures.class);

    private final Exchange exchange;

    UpstreamFailures(Exchange exchange) {
        this.exchange = exchange;
    }

    /** The connect failed: nothing was sent anywhere, so the request may go to another endpoint whatever its method. */
    void connectFailed(Throwable cause) {
        exchange.service.connectFailed(exchange.endpoint, exchange.clock.now());
        log.debug("connect to {} of service {} failed: {}", exchange.endpoint, exchange.service.name(), cause.toString());
        exchange.upstream = null;
        failOrRetry(RetryReason.CONNECT_FAILURE, "cannot connect to an endpoint of '" + exchange.service.name() + "'");
    }

    /** The endpoint closed the connection: a cut once the response started, else a reset before the response. */
    void closed() {
        exchange.upstream = null;
        if (exchange.responseStarted) {
            exchange.abort("endpoint closed the connection mid-response");
            return;
        }
        exchange.service.resetBeforeResponse(exchange.endpoint, exchange.clock.now());
        failOrRetry(RetryReason.RESET, "an endpoint of '" + exchange.service.name() + "' closed the connection");
    }

    /**
     * The endpoint acknowledged nothing for the connect timeout while the request awaited its head
     * ({@link SilentPeerProbe}): gone like a reset, for passive health and the retry rules alike,
     * except that the retry goes to another endpoint.
     */
    void silent(UpstreamConnection c, TcpSample sample) {
        log.debug("endpoint {} of service {} silent while the request awaited its response: {}", exchange.endpoint,
                exchange.service.name(), sample);
        exchange.upstream = null;
        c.close();
        exchange.service.resetBeforeResponse(exchange.endpoint, exchange.clock.now());
        Endpoint next = exchange.retries.nextElsewhere(RetryReason.RESET, exchange.service, exchange.endpoint, exchange.clock.now());
        if (next != null) {
            exchange.retry(next);
        } else {
            exchange.fail(HttpResponseStatus.BAD_GATEWAY, "an endpoint of '" + exchange.service.name() + "' stopped acknowledging the request");
        }
    }

    /**
     * The endpoint did not process the request (an h2c stream above its GOAWAY's last stream id,
     * or reset with REFUSED_STREAM): like a failed connect, it may go to another endpoint whatever
     * its method; unlike one, it says nothing about the endpoint's health (it is draining, or full).
     */
    void refused(UpstreamConnection c) {
        exchange.upstream = null;
        c.close();
        failOrRetry(RetryReason.CONNECT_FAILURE, "an endpoint of '" + exchange.service.name() + "' refused the stream");
    }

    /** Before the response started: another endpoint when the retry policy allows ({@link Retries#next}), else a 502. */
    private void failOrRetry(RetryReason reason, String detail) {
        Endpoint next = exchange.retries.next(reason, exchange.service, exchange.endpoint, exchange.clock.now());
        if (next != null) {
            exchange.retry(next);
        } else {
            exchange.fail(HttpResponseStatus.BAD_GATEWAY, detail);
        }
    }
}
