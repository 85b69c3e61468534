package io.swarmingress.proxy.tcp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.swarmingress.proxy.metrics.ServiceMeters;
import io.swarmingress.config.ProxyProtocolVersion;
import io.swarmingress.proxy.forward.ProxyProtocolHeader;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.Service;
import io.swarmingress.proxy.server.ClientAddresses;
import io.swarmingress.proxy.server.DrainEvent;
import io.swarmingress.proxy.server.EntrypointContext;

/**
 * A byte relay between a client and one endpoint of the entrypoint's service. When the service
 * has {@code send_proxy_protocol}, the upstream connection starts with a PROXY header naming the
 * client (the one a PROXY header in front named, if the entrypoint takes one).
 *
 * <p>Both channels run with autoRead off and share one event loop. A side is read again only when
 * the other side can take more (writable), so a slow reader stalls its fast peer instead of making
 * the proxy buffer. Half-close is carried over: when one side ends its output, the proxy ends its
 * output to the other side and keeps relaying the opposite direction until it ends too.
 */
final class TcpRelay {
    private static final Logger log = LoggerFactory.getLogger(TcpRelay.class);

    private TcpRelay() {
    }

    /** @param routed whether the service comes from an {@link SniRouter.Routed} event rather than the entrypoint */
    static void configure(ChannelPipeline pipeline, EntrypointContext entrypoint, boolean routed) {
        pipeline.addLast("relay", new ClientSide(entrypoint, routed));
    }

    /** Relays what one channel reads to its peer, with the flow control described above. */
    private static class Side extends ChannelInboundHandlerAdapter {
        Channel peer;
        boolean inputShutdown;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (peer == null || !peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            peer.write(msg, peer.voidPromise());
        }

        void shutdownPeerOutput() {
            if (peer instanceof DuplexChannel && peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) peer).shutdownOutput());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (peer != null) {
                peer.flush();
                if (peer.isWritable()) {
                    ctx.read();
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This side drained: the peer, which feeds it, may read again.
            if (ctx.channel().isWritable() && peer != null) {
                peer.read();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShutdown = true;
                shutdownPeerOutput();
                Side other = peer == null ? null : peer.pipeline().get(Side.class);
                if (other != null && other.inputShutdown) {
                    // Both directions ended: close once what is written has left.
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                }
            } else if (evt instanceof IdleStateEvent) {
                log.debug("tcp relay {} idle, closing", ctx.channel());
                closeBoth(ctx);
            } else {
                ReferenceCountUtil.release(evt);
            }
        }

        void closeBoth(ChannelHandlerContext ctx) {
            ctx.close();
            if (peer != null) {
                peer.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null && peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("tcp relay {} failed: {}", ctx.channel(), cause.toString());
            closeBoth(ctx);
        }
    }

    /** The client's side: picks the endpoint and opens the upstream connection on the same loop. */
    private static final class ClientSide extends Side {
        private final EntrypointContext entrypoint;
        private final boolean routed;
        private Endpoint endpoint;
        /** The client's address as a hash key, for {@code lb: hash}; 0 under other policies. */
        private long hashKey;
        /**
         * What the client sent before the upstream connection was up. Reading is off until then,
         * but a peer's early FIN makes the transport read what came before it anyway.
         */
        private List<Object> early;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (peer == null && ctx.channel().isActive()) {
                if (early == null) {
                    early = new ArrayList<>(2);
                }
                early.add(msg);
                return;
            }
            super.channelRead(ctx, msg);
        }

        ClientSide(EntrypointContext entrypoint, boolean routed) {
            this.entrypoint = entrypoint;
            this.routed = routed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (!routed) {
                start(ctx, entrypoint.table().tcpService(entrypoint.name()));
            }
            ctx.fireChannelActive();
        }

        /** The service is known: picks an endpoint and connects (the client is read once the upstream is up). */
        private void start(ChannelHandlerContext ctx, Service service) {
            Channel client = ctx.channel();
            hashKey = service == null ? 0 : service.connectionKey(ClientAddresses.of(client).source());
            Endpoint picked = service == null ? null : service.pickOther(ctx.executor().ticker().nanoTime(), null, hashKey);
            if (picked == null) {
                log.debug("tcp entrypoint {} has no endpoint, closing {}", entrypoint.name(), client);
                client.close();
                return;
            }
            long idle = service.timeouts().idle().toMillis();
            client.pipeline().addFirst("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
            connect(ctx, service, picked, 0);
        }

        /**
         * Connects to {@code picked}; a refused or timed-out connect sent nothing, so it goes to
         * another endpoint while the service's retries last (and passive health hears of it).
         */
        private void connect(ChannelHandlerContext ctx, Service service, Endpoint picked, int attempt) {
            Channel client = ctx.channel();
            endpoint = picked;
            picked.acquire();
            UpstreamSide upstreamSide = new UpstreamSide(client);
            Bootstrap b = new Bootstrap()
                    .group(client.eventLoop())
                    .channel(entrypoint.transport().socketChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) service.timeouts().connect().toMillis())
                    // Names are resolved when the table is built; a lookup here would block the loop.
                    .disableResolver()
                    .handler(upstreamSide);
            b.connect(picked.socketAddress()).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    service.connected(picked, ctx.executor().ticker().nanoTime());
                    connected(f.channel(), service);
                    return;
                }
                long now = ctx.executor().ticker().nanoTime();
                service.connectFailed(picked, now);
                log.debug("tcp connect to {} of service {} failed: {}", picked, service.name(), f.cause().toString());
                picked.release();
                endpoint = null;
                Endpoint next = service.pickOther(now, picked, hashKey);
                if (client.isActive() && attempt < service.retryPolicy().retries() && next != picked && service.startRetry()) {
                    service.meters().retried(ServiceMeters.RetryReason.CONNECT_FAILURE);
                    service.retryEnded();
                    connect(ctx, service, next, attempt + 1);
                } else {
                    client.close();
                }
            });
        }

        private void connected(Channel upstream, Service service) {
            peer = upstream;
            Channel client = upstream.pipeline().get(UpstreamSide.class).peer;
            if (!client.isActive() && early == null) {
                peer.close();
                return;
            }
            ProxyProtocolVersion sendProxy = service.config().upstream().sendProxyProtocol();
            if (sendProxy != null) {
                // First, and flushed at once: a server that speaks first waits for it.
                ClientAddresses addresses = ClientAddresses.of(client);
                peer.write(ProxyProtocolHeader.encode(peer.alloc(), sendProxy, addresses.source(), addresses.destination()),
                        peer.voidPromise());
            }
            if (early != null) {
                for (Object msg : early) {
                    peer.write(msg, peer.voidPromise());
                }
                early = null;
            }
            peer.flush();
            if (inputShutdown) {
                shutdownPeerOutput();
            } else {
                client.read();
            }
            peer.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniRouter.Routed) {
                start(ctx, ((SniRouter.Routed) evt).service());
                return;
            }
            if (evt == DrainEvent.INSTANCE) {
                // A byte stream has no request boundary to wait for; the grace period bounds it instead.
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (early != null && peer == null) {
                for (Object msg : early) {
                    ReferenceCountUtil.release(msg);
                }
                early = null;
            }
            if (endpoint != null) {
                endpoint.release();
                endpoint = null;
            }
            super.channelInactive(ctx);
        }
    }

    private static final class UpstreamSide extends Side {
        UpstreamSide(Channel client) {
            this.peer = client;
        }
    }
}
