package io.swarmingress.proxy.h2;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutorGroup;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.proxy.forward.Forwarder;
import io.swarmingress.proxy.http1.Http1Front;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.server.EntrypointContext;
import io.swarmingress.proxy.server.Front;

/**
 * The front of http entrypoints: HTTP/1.1 and HTTP/2 on the same socket and routes. Each
 * connection starts as HTTP/1.1 ({@link Http1Front}, its deadlines running from the accept), with
 * a {@link PrefaceDetector} ahead of it that looks at the first bytes: the HTTP/2 client preface
 * ({@code PRI * HTTP/2.0}, sent first by a client with prior knowledge, h2c, and by one that
 * negotiated {@code h2} by ALPN over TLS) hands the connection to {@link H2Connection}.
 *
 * <p>Why detection rather than being told: the TLS layer decrypts ahead of the front, and a client
 * that negotiated {@code h2} must start with the preface (RFC 9113 section 3.4), so looking at the
 * plaintext covers h2c and h2 alike; adding {@code h2} to the ALPN list the TLS layer offers is
 * all TLS needs to do. A TLS entrypoint whose {@code alpn} leaves {@code h2} out gets no detector:
 * a client that sends the preface there anyway (it cannot have negotiated {@code h2}) gets what
 * the HTTP/1 front makes of it, a 505. An {@code Upgrade: h2c} request is not taken up (it stays
 * HTTP/1.1; the header is hop-by-hop and dropped), as in most proxies.
 */
public final class HttpFront implements Front {
    private final Http1Front http1 = new Http1Front();

    @Override
    public void initChannel(Channel ch, EntrypointContext entrypoint) {
        EntrypointConfig options = entrypoint.table().entrypoint(entrypoint.name());
        if (options == null || options.http2()) {
            ch.pipeline().addLast(PrefaceDetector.NAME, new PrefaceDetector(entrypoint));
        }
        http1.initChannel(ch, entrypoint);
    }

    @Override
    public void tablePublished(RoutingTable table, EventExecutorGroup loops) {
        Forwarder.tablePublished(table, loops);
    }
}
