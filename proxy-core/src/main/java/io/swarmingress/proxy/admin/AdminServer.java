package io.swarmingress.proxy.admin;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.swarmingress.config.Durations;
import io.swarmingress.config.EntrypointConfig;
import io.swarmingress.config.HostPort;
import io.swarmingress.config.RouteConfig;
import io.swarmingress.proxy.metrics.IngressMetrics;
import io.swarmingress.proxy.routing.Endpoint;
import io.swarmingress.proxy.routing.RoutingTable;
import io.swarmingress.proxy.routing.Service;
import io.swarmingress.proxy.server.Transport;

/**
 * {@code /metrics}, {@code /healthz} and {@code /routes} on their own thread, so a slow scrape
 * never delays a proxied request. Requests here are tiny and rare; aggregating them is fine.
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicBoolean draining;

    private AdminServer(EventLoopGroup group, Channel channel, AtomicBoolean draining) {
        this.group = group;
        this.channel = channel;
        this.draining = draining;
    }

    /**
     * @param table the live routing table
     * @param extra more fields for /routes (e.g. discovery state and age), read at request time
     * @param clock the wall clock the table's age is told by
     */
    public static AdminServer start(HostPort address, Transport transport, IngressMetrics metrics, Supplier<RoutingTable> table,
                                    Supplier<Map<String, Object>> extra, Clock clock) {
        EventLoopGroup group = transport.newGroup(1, "ingress-admin");
        AtomicBoolean draining = new AtomicBoolean();
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new Handler(metrics, table, extra, clock, draining));
                        }
                    })
                    .bind(new InetSocketAddress(address.host(), address.port()))
                    .syncUninterruptibly()
                    .channel();
            return new AdminServer(group, ch, draining);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalStateException("admin cannot listen on " + address + ": " + e, e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * From now on {@code /healthz} answers 503 "draining", while everything else keeps working:
     * a load balancer in front stops sending new connections before the listeners close.
     */
    public void startDraining() {
        draining.set(true);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** The live table as plain maps, in config vocabulary, for people and scripts. */
    /** @param nowNanos the monotonic time endpoint states (ejections) are told against */
    static Map<String, Object> describe(RoutingTable table, Map<String, Object> extra, Clock clock, long nowNanos) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generation", table.generation());
        out.put("built_at", table.builtAt().toString());
        out.put("age_seconds", Duration.between(table.builtAt(), clock.instant()).toMillis() / 1000.0);
        out.putAll(extra);
        List<Object> entrypoints = new ArrayList<>();
        for (EntrypointConfig e : table.config().entrypoints()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("address", e.address().toString());
            m.put("protocol", e.protocol().configName());
            if (e.service() != null) {
                m.put("service", e.service());
            }
            if (e.proxyProtocol()) {
                m.put("proxy_protocol", true);
            }
            if (!e.trustedProxies().isEmpty()) {
                m.put("trusted_proxies", e.trustedProxies().blocks().stream().map(Object::toString).toList());
            }
            entrypoints.add(m);
        }
        out.put("entrypoints", entrypoints);
        List<Object> routes = new ArrayList<>();
        for (RouteConfig r : table.config().routes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("entrypoint", r.entrypoint());
            m.put("host", r.host());
            m.put("path_prefix", r.pathPrefix());
            m.put("headers", r.headers());
            m.put("strip_prefix", r.stripPrefix());
            m.put("service", r.service());
            if (r.split()) {
                m.put("services", r.services().stream().map(w -> Map.of("name", w.name(), "weight", w.weight())).toList());
            }
            m.put("origin", r.location().file() + ":" + r.location().line());
            routes.add(m);
        }
        out.put("routes", routes);
        List<Object> services = new ArrayList<>();
        for (Service s : table.services().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("lb", s.config().lb().configName());
            if (s.config().balancing().hashOn() != null) {
                m.put("hash_on", s.config().balancing().hashOn().configName());
            }
            if (s.config().balancing().sticky() != null) {
                m.put("sticky_cookie", s.config().balancing().sticky().cookie());
            }
            m.put("source", s.config().swarm() == null ? "static" : "swarm:" + s.config().swarm().service());
            m.put("connect_timeout", Durations.format(s.timeouts().connect()));
            m.put("response_timeout", Durations.format(s.timeouts().response()));
            m.put("idle_timeout", Durations.format(s.timeouts().idle()));
            if (s.config().upstream().sendProxyProtocol() != null) {
                m.put("send_proxy_protocol", s.config().upstream().sendProxyProtocol().configName());
            }
            m.put("upstream_reuse", s.config().upstream().reuse().configName());
            List<Object> endpoints = new ArrayList<>();
            for (Endpoint ep : s.endpoints()) {
                endpoints.add(Map.of("address", ep.address().toString(), "active", ep.active(), "state", ep.state(nowNanos),
                        "weight", s.config().balancing().weight(ep.address())));
            }
            m.put("endpoints", endpoints);
            services.add(m);
        }
        out.put("services", services);
        return out;
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final IngressMetrics metrics;
        private final Supplier<RoutingTable> table;
        private final Supplier<Map<String, Object>> extra;
        private final Clock clock;
        private final AtomicBoolean draining;

        Handler(IngressMetrics metrics, Supplier<RoutingTable> table, Supplier<Map<String, Object>> extra, Clock clock,
                AtomicBoolean draining) {
            this.metrics = metrics;
            this.table = table;
            this.extra = extra;
            this.clock = clock;
            this.draining = draining;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws JsonProcessingException {
            String path = request.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", "text/plain; charset=utf-8");
            } else if (path.equals("/metrics")) {
                response = text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else if (path.equals("/healthz")) {
                RoutingTable t = table.get();
                if (draining.get()) {
                    response = text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n", "text/plain; charset=utf-8");
                } else {
                    response = t == null
                            ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "starting\n", "text/plain; charset=utf-8")
                            : text(HttpResponseStatus.OK, "ok\n", "text/plain; charset=utf-8");
                }
            } else if (path.equals("/routes")) {
                RoutingTable t = table.get();
                response = t == null
                        ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "{}\n", "application/json")
                        : text(HttpResponseStatus.OK, JSON.writeValueAsString(describe(t, extra.get(), clock, ctx.executor().ticker().nanoTime())) + "\n", "application/json");
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /healthz or /routes\n",
                        "text/plain; charset=utf-8");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (request.method().equals(HttpMethod.HEAD)) {
                response.content().clear();
            }
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
