package io.swarmingress.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.swarmingress.discovery.DiscoverySnapshot;
import io.swarmingress.proxy.metrics.MeterReadings;
import io.swarmingress.proxy.routing.RoutingTable;

/**
 * One admin connection: GET and HEAD only (the admin listener changes nothing), basic auth on
 * everything but {@code /healthz} when an htpasswd file is configured, and the paths:
 * <pre>
 *   /                   the dashboard (HTML)
 *   /api/v1             what follows, as JSON
 *   /api/v1/routes      entrypoints, routes and their origin, conflicts, warnings
 *   /api/v1/services    services, endpoints (task, node, state, in flight), latest traffic
 *   /api/v1/discovery   managers, last successful read and its age, event stream, warnings
 *   /api/v1/reloads     the last config loads, errors with file and line
 *   /api/v1/traffic     the charts' history (?since=epoch-millis for the points after it)
 *   /metrics /healthz /routes   as before
 * </pre>
 * On the probes listener ({@code admin.probes}) only {@code /healthz} and {@code /metrics} answer:
 * it is the part a load balancer and Prometheus need from the network, while the rest stays on
 * loopback. Responses are built on the admin loop from the live table and the meters; requests here are
 * small and rare, so aggregating them is fine. Responses go out in request order: while a bcrypt
 * check runs elsewhere, later pipelined requests wait.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String TEXT_TYPE = "text/plain; charset=utf-8";
    private static final List<String> API = List.of("/api/v1/routes", "/api/v1/services", "/api/v1/discovery", "/api/v1/reloads",
            "/api/v1/traffic");

    private final AdminSources sources;
    private final TrafficHistory history;
    private final KnownTasks known;
    private final long sampleMillis;
    private final DashboardPage page;
    private final BasicAuth auth;
    private final Health health;
    private final boolean probesOnly;
    private final Deque<FullHttpRequest> waiting = new ArrayDeque<>(0);
    private boolean verifying;

    /** What {@code /healthz} answers. */
    interface Health {
        /** @return null when healthy, else the word to answer 503 with ("starting", "draining") */
        String problem();
    }

    /**
     * @param auth null when no htpasswd file is configured
     * @param probesOnly true on the probes listener: {@code /healthz} and {@code /metrics} only
     */
    AdminHandler(AdminSources sources, TrafficHistory history, KnownTasks known, long sampleMillis, DashboardPage page, BasicAuth auth,
                 Health health, boolean probesOnly) {
        this.sources = sources;
        this.history = history;
        this.known = known;
        this.sampleMillis = sampleMillis;
        this.page = page;
        this.auth = auth;
        this.health = health;
        this.probesOnly = probesOnly;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws JsonProcessingException {
        if (verifying) {
            waiting.add(request.retain());
            return;
        }
        handle(ctx, request);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) throws JsonProcessingException {
        String path = new QueryStringDecoder(request.uri()).path();
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || path.equals("/healthz") || auth.passedBefore(authorization)) {
            respond(ctx, request, serve(ctx, request));
            return;
        }
        if (authorization == null) {
            respond(ctx, request, unauthorized());
            return;
        }
        verifying = true;
        request.retain();
        auth.verify(authorization).whenComplete((verdict, error) -> ctx.executor().execute(() -> {
            try {
                if (verdict == BasicAuth.Verdict.ALLOWED) {
                    respond(ctx, request, serve(ctx, request));
                } else if (verdict == BasicAuth.Verdict.BUSY) {
                    FullHttpResponse busy = text(HttpResponseStatus.TOO_MANY_REQUESTS, "too many logins at once; try again\n", TEXT_TYPE);
                    busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                    respond(ctx, request, busy);
                } else {
                    respond(ctx, request, unauthorized());
                }
            } catch (JsonProcessingException e) {
                ctx.close();
            } finally {
                request.release();
                verifying = false;
                drain(ctx);
            }
        }));
    }

    private void drain(ChannelHandlerContext ctx) {
        while (!verifying && !waiting.isEmpty()) {
            FullHttpRequest next = waiting.poll();
            try {
                handle(ctx, next);
            } catch (JsonProcessingException e) {
                ctx.close();
            } finally {
                next.release();
            }
        }
    }

    private FullHttpResponse serve(ChannelHandlerContext ctx, FullHttpRequest request) throws JsonProcessingException {
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET (the admin listener is read-only)\n", TEXT_TYPE);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (probesOnly && !path.equals("/healthz") && !path.equals("/metrics")) {
            return text(HttpResponseStatus.NOT_FOUND, "this listener serves /healthz and /metrics only; "
                    + "the dashboard, /api/v1 and /routes are on the admin address\n", TEXT_TYPE);
        }
        RoutingTable table = sources.table().get();
        switch (path) {
            case "/healthz": {
                String problem = health.problem();
                return problem == null ? text(HttpResponseStatus.OK, "ok\n", TEXT_TYPE)
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, problem + "\n", TEXT_TYPE);
            }
            case "/metrics":
                return text(HttpResponseStatus.OK, sources.metrics().scrape(), "text/plain; version=0.0.4; charset=utf-8");
            case "/":
                return page();
            case "/routes":
                return table == null ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "{}\n", JSON_TYPE)
                        : json(LegacyRoutes.describe(table, sources.routesExtra().get(), sources.clock(), nanoTime(ctx)));
            case "/api/v1":
            case "/api/v1/": {
                Map<String, Object> index = Json.versioned();
                index.put("endpoints", API);
                return json(index);
            }
            case "/api/v1/discovery":
                return json(StatusView.discovery(sources.discovery().get(), sources.clock().instant()));
            case "/api/v1/reloads":
                return json(StatusView.reloads(sources.reloads()));
            case "/api/v1/traffic":
                return json(StatusView.traffic(history, since(uri), sampleMillis, sources.clock().millis()));
            case "/api/v1/routes":
                return table == null ? starting()
                        : json(RoutesView.of(table, snapshot(), sources.listening(), MeterReadings.openConnections(sources.metrics().registry())));
            case "/api/v1/services":
                return table == null ? starting() : json(ServicesView.of(table, snapshot(), known, nanoTime(ctx), history.latest()));
            default:
                return text(HttpResponseStatus.NOT_FOUND, "not found; try /, /api/v1, /metrics, /healthz or /routes\n", TEXT_TYPE);
        }
    }

    private DiscoverySnapshot snapshot() {
        DiscoveryStatus d = sources.discovery().get();
        return d == null ? DiscoverySnapshot.EMPTY : d.snapshot();
    }

    private static long nanoTime(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    private static long since(QueryStringDecoder uri) {
        List<String> values = uri.parameters().get("since");
        if (values == null || values.isEmpty()) {
            return Long.MIN_VALUE;
        }
        try {
            return Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private FullHttpResponse page() {
        byte[] html = page.html();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(html));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, html.length)
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, page.contentSecurityPolicy())
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer");
        return r;
    }

    private static FullHttpResponse starting() throws JsonProcessingException {
        Map<String, Object> m = Json.versioned();
        m.put("error", "starting: no routing table yet");
        FullHttpResponse r = json(m);
        r.setStatus(HttpResponseStatus.SERVICE_UNAVAILABLE);
        return r;
    }

    private static FullHttpResponse unauthorized() {
        FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "authentication required\n", TEXT_TYPE);
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + BasicAuth.REALM + "\", charset=\"UTF-8\"");
        return r;
    }

    private static FullHttpResponse json(Object document) throws JsonProcessingException {
        return text(HttpResponseStatus.OK, Json.pretty(document), JSON_TYPE);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        h.set("X-Content-Type-Options", "nosniff");
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

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
