package io.swarmingress.proxy.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.swarmingress.proxy.metrics.ConnectionMeters;
import io.swarmingress.proxy.metrics.ConnectionMeters.ProxyProtocolError;

/**
 * The PROXY protocol (v1 or v2) ahead of an entrypoint's front: Netty's
 * {@link HAProxyMessageDecoder} reads the header, and this handler holds the front back until it
 * has: only then are the front's handlers added, with the header's addresses as the connection's
 * {@link ClientAddresses}, and the connection's bytes after the header go to them. It is not an
 * HTTP or TCP concern, so the listener adds it for any protocol.
 *
 * <p>The header is required: a connection that sends something else, a malformed or oversized
 * header, or no complete header within the entrypoint's {@code request_header_timeout} is closed,
 * never handed to the front, and counted ({@code ingress_proxy_protocol_errors_total}). A LOCAL
 * header (a v2 health check) or an UNKNOWN one keeps the socket's addresses, as the specification
 * says. The sender is trusted by configuration: an entrypoint with {@code proxy_protocol} must be
 * reachable only through the load balancer that sends it.
 */
final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    /**
     * TLV bytes a v2 header may carry beyond its addresses (so at most 232 + this in all; a v1 line
     * is at most 108 by the specification). Load balancers send tens of bytes of TLVs, HAProxy a few
     * hundred at most.
     */
    static final int MAX_TLV_BYTES = 2048;

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolReader.class);

    private final EntrypointContext entrypoint;
    private final Front front;
    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    private boolean started;
    private boolean over;

    private ProxyProtocolReader(EntrypointContext entrypoint, Front front, Duration timeout) {
        this.entrypoint = entrypoint;
        this.front = front;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Puts the decoder and this reader on a connection just accepted; the front follows once the header is read. */
    static void install(Channel ch, EntrypointContext entrypoint, Front front, Duration timeout) {
        ch.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder(MAX_TLV_BYTES));
        ch.pipeline().addLast("proxy-protocol-reader", new ProxyProtocolReader(entrypoint, front, timeout));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Not passed on: the front is not there yet, and gets its own channelActive once it is.
        start(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timer = ctx.executor().schedule(() -> fail(ctx, ProxyProtocolError.TIMEOUT, "no PROXY protocol header in time"),
                timeoutNanos, TimeUnit.NANOSECONDS);
        if (!ctx.channel().config().isAutoRead()) {
            // A front that reads by hand (the tcp relay) has not asked yet; the decoder asks for more itself.
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage)) {
            // Not before the header (the decoder keeps everything until then); never after it (this is gone).
            ctx.fireChannelRead(msg);
            return;
        }
        HAProxyMessage header = (HAProxyMessage) msg;
        ClientAddresses addresses;
        try {
            addresses = addresses(header, ctx.channel());
        } finally {
            header.release();
        }
        if (addresses == null) {
            fail(ctx, ProxyProtocolError.INVALID, "PROXY header with an address that is not an IP literal");
            return;
        }
        if (over) {
            return;
        }
        over = true;
        cancelTimer();
        Channel ch = ctx.channel();
        if (entrypoint.options() == null) {
            // A reload removed the entrypoint while the header was on its way: the front has no options to start with.
            log.debug("closing {}: entrypoint {} is gone", ch, entrypoint.name());
            ctx.close();
            return;
        }
        ch.attr(ClientAddresses.KEY).set(addresses);
        log.debug("{}: PROXY header says client {} connected to {}", ch, addresses.source(), addresses.destination());
        front.initChannel(ch, entrypoint);
        // The front's handlers see the connection start now; the bytes after the header follow,
        // handed on by the decoder as it removes itself.
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    /**
     * The header's addresses for a proxied TCP connection; the socket's for LOCAL, UNKNOWN or non-IP
     * headers; null when an address does not parse.
     */
    static ClientAddresses addresses(HAProxyMessage header, Channel ch) {
        boolean tls = false;
        for (HAProxyTLV tlv : header.tlvs()) {
            if (tlv instanceof HAProxySSLTLV && ((HAProxySSLTLV) tlv).isPP2ClientSSL()) {
                tls = true;
            }
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        boolean ip = family == HAProxyProxiedProtocol.AddressFamily.AF_IPv4 || family == HAProxyProxiedProtocol.AddressFamily.AF_IPv6;
        if (header.command() != HAProxyCommand.PROXY || !ip) {
            ClientAddresses socket = ClientAddresses.ofSocket(ch);
            return new ClientAddresses(socket.source(), socket.destination(), tls);
        }
        // The decoder checked both literals; this parses them without a lookup.
        InetAddress source = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        InetAddress destination = NetUtil.createInetAddressFromIpAddressString(header.destinationAddress());
        if (source == null || destination == null) {
            return null;
        }
        return new ClientAddresses(new InetSocketAddress(source, header.sourcePort()),
                new InetSocketAddress(destination, header.destinationPort()), tls);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // HAProxyProtocolException is a DecoderException: not a PROXY header, malformed, or too large.
        fail(ctx, cause instanceof DecoderException ? ProxyProtocolError.INVALID : null, cause.toString());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            // Shutting down, and nothing is in flight on a connection that has not started.
            over = true;
            cancelTimer();
            ctx.close();
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // A peer that connects and leaves without a word (a TCP health check) is no error.
        over = true;
        cancelTimer();
    }

    private void fail(ChannelHandlerContext ctx, ProxyProtocolError reason, String detail) {
        if (over) {
            return;
        }
        over = true;
        cancelTimer();
        if (reason != null) {
            meters().proxyProtocolError(reason);
        }
        log.debug("closing {}: {}", ctx.channel(), detail);
        ctx.close();
    }

    private ConnectionMeters meters() {
        return entrypoint.meters();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
