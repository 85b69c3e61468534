package io.swarmingress.proxy.http1;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.swarmingress.proxy.forward.Tunnel;
import io.swarmingress.proxy.wire.ResponseFramer;

/**
 * The response heads an HTTP/1 client is sent for its {@link Http1Request}, and what each says
 * about the connection: interim heads only to an HTTP/1.1 client, the final head with the
 * Connection line the connection's fate calls for (de-chunked for an HTTP/1.0 client, or a 502
 * when de-chunking alone would not give it the content), and the 101 of an upgrade, after which
 * the connection is a tunnel.
 *
 * <p>Apart from {@link Http1Request} because these are the rules of the client's HTTP version
 * (interim heads: RFC 9110 section 15.2; Transfer-Encoding only to HTTP/1.1: RFC 9112 section
 * 6.1; persistence: its section 9.3), which read best together. The request keeps the exchange's
 * state, and this changes it as a part of the request.
 */
final class ClientHeads {
    private final Http1Request request;

    ClientHeads(Http1Request request) {
        this.request = request;
    }

    void interim(ResponseFramer response) {
        Http1Connection connection = request.connection;
        // RFC 9110 section 15.2: an HTTP/1.0 client would take an interim response for the final one.
        if (!request.http10) {
            connection.write(response.encodeHead(connection.ctx.alloc(), false, null, null));
            if (response.status() == 100) {
                request.startBodyClock();
            }
        }
    }

    /** @param setCookie a Set-Cookie value of the proxy's own to add (a sticky session), or null */
    void head(ResponseFramer response, String setCookie) {
        Http1Connection connection = request.connection;
        request.responseStarted = true;
        request.status = response.status();
        // An answer before the whole request was read (a 401 or 413, perhaps to Expect: 100-continue):
        // the rest of the request will not be read, so the client must be told the connection ends.
        boolean close = !request.clientKeepAlive || connection.entrypoint().draining() || request.closeAfterResponse
                || !request.requestComplete
                // A body that ends when the upstream closes can end for the client only the same way.
                || response.endsAtClose();
        boolean dechunk = request.http10 && response.chunked();
        if (dechunk && response.codedBeyondChunked()) {
            // An HTTP/1.0 client has no Transfer-Encoding to learn of the other codings from:
            // handing it the coded bytes as the content would be a lie.
            request.exchange.cancel(HttpResponseStatus.BAD_GATEWAY.code());
            request.exchange = null;
            request.respondLocally(HttpResponseStatus.BAD_GATEWAY,
                    "the response has a transfer coding an HTTP/1.0 client cannot take", true);
            return;
        }
        if (dechunk) {
            response.dechunk();
            close = true;
        }
        request.closeAfterResponse = close;
        String connectionValue = close ? "close" : request.http10 ? "keep-alive" : null;
        String via = connection.config.via() ? ParsedRequest.VIA_VALUE : null;
        // On a TLS entrypoint, the route's HSTS (replacing the endpoint's).
        String hsts = connection.config.terminatesTls() && request.exchange != null && request.exchange.route() != null
                ? request.exchange.route().config().hsts() : null;
        connection.write(response.encodeHead(connection.ctx.alloc(), dechunk, connectionValue, via, hsts, setCookie));
        if (request.exchange != null) {
            // From here the idle timeout applies, which may be shorter than the response timeout the timer is set for.
            connection.timer.fireBy(request.exchange.deadline());
        }
    }

    void upgraded(ResponseFramer response, Tunnel tunnel) {
        Http1Connection connection = request.connection;
        request.responseStarted = true;
        request.status = 101;
        request.exchange = null;
        request.inExchange = false;
        String via = connection.config.via() ? ParsedRequest.VIA_VALUE : null;
        connection.write(response.encodeSwitchHead(connection.ctx.alloc(), via));
        connection.becomeTunnel(tunnel);
    }
}
