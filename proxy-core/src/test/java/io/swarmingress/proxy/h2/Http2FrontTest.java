package io.swarmingress.proxy.h2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.swarmingress.proxy.testing.Backend;
import io.swarmingress.proxy.testing.Command;
import io.swarmingress.proxy.testing.ProxyFixture;
import io.swarmingress.proxy.testing.RawH2Client;

/**
 * HTTP/2 on an http entrypoint, beside HTTP/1.1 on the same port and routes: curl with prior
 * knowledge, and a frame-level client for what curl would never send. Each stream goes through
 * the route, service and endpoint an HTTP/1.1 request would, and its head is held to the same
 * rules: canonical path, one Host, no client claims about its address, no connection-specific
 * fields, plus what only HTTP/2 has (pseudo-headers once each, {@code :authority} and
 * {@code host} agreeing, {@code :path} in origin form).
 */
@Timeout(60)
class Http2FrontTest {
    private static Backend app;
    private static Backend api;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() {
        app = Backend.start("app");
        api = Backend.start("api");
        proxy = ProxyFixture.start("""
                entrypoints:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                routes:
                  - entrypoint: web
                    host: app.test
                    path_prefix: /
                    service: app
                  - entrypoint: web
                    host: app.test
                    path_prefix: /api
                    strip_prefix: true
                    service: api
                services:
                  - name: app
                    endpoints: [%s]
                  - name: api
                    endpoints: [%s]
                """.formatted(app.hostPort(), api.hostPort()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        app.close();
        api.close();
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + proxy.port("web") + path;
    }

    private static String curl(String... args) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "--max-time", "20"));
        command.addAll(java.util.List.of(args));
        return Command.of(command).check();
    }

    // ---------------------------------------------------------------- with curl

    @Test
    void curlWithPriorKnowledgeIsRoutedByHostAndPathOverHttp2() {
        // One URL per curl: curl 7.88 fails to reuse a prior-knowledge connection for a second URL (nginx too).
        String api = curl("--http2-prior-knowledge", "-H", "Host: app.test", "-w", "\n%{http_version} %{http_code}", url("/api/x"));
        String root = curl("--http2-prior-knowledge", "-H", "Host: app.test", "-w", "\n%{http_version} %{http_code}", url("/x"));

        assertThat(api).isEqualTo("api\n2 200");
        assertThat(root).isEqualTo("app\n2 200");
    }

    @Test
    void http1ClientsStillGetHttp1OnTheSamePort() {
        String out = curl("--http1.1", "-H", "Host: app.test", "-w", "\n%{http_version}", url("/"));

        assertThat(out).isEqualTo("app\n1.1");
    }

    @Test
    void theUpstreamGetsAnHttp11HeadWrittenByTheSameRulesAsForHttp1Clients() {
        String out = curl("--http2-prior-knowledge", "-H", "Host: app.test", "-H", "X-Forwarded-For: 6.6.6.6",
                "-H", "X-Real-IP: 6.6.6.6", "-H", "Cookie: a=1", url("/x/../headers?q=1"));

        assertThat(out).startsWith("GET /headers?q=1 HTTP/1.1\n")
                .contains("host: app.test\n", "x-forwarded-for: 127.0.0.1\n", "x-forwarded-proto: http\n", "cookie: a=1\n")
                .doesNotContain("6.6.6.6", "x-real-ip", "te:");
    }

    @Test
    void aRequestBodyWithContentLengthIsForwarded() {
        String out = curl("--http2-prior-knowledge", "-H", "Host: app.test", "--data-binary", "0123456789", url("/upload"));

        assertThat(out).isEqualTo("10");
    }

    @Test
    void noRouteIsA404FromTheProxyOverHttp2() {
        String out = curl("--http2-prior-knowledge", "-H", "Host: other.test", "-w", "\n%{http_version} %{http_code}", url("/"));

        assertThat(out).startsWith("404 Not Found: no route").endsWith("\n2 404");
    }

    // ---------------------------------------------------------------- frame by frame

    @Test
    void aBodyOfUnknownLengthGoesUpstreamChunked() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            c.headers(1, RawH2Client.request("POST", "/upload", "app.test"), false);
            c.data(1, "hello ".getBytes(StandardCharsets.US_ASCII), false);
            c.data(1, "world".getBytes(StandardCharsets.US_ASCII), true);

            RawH2Client.Response r = c.response(1, 10_000);

            assertThat(r.status()).isEqualTo("200");
            assertThat(r.body()).isEqualTo("11");
        }
    }

    @Test
    void cookieCrumbsAreJoinedIntoOneCookieLine() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            Http2Headers h = RawH2Client.request("GET", "/headers", "app.test");
            h.add("cookie", "a=1");
            h.add("cookie", "b=2");
            c.headers(1, h, true);

            RawH2Client.Response r = c.response(1, 10_000);

            assertThat(r.body()).contains("cookie: a=1; b=2\n");
        }
    }

    @Test
    void malformedHeaderBlocksAreRefusedAndNeverForwarded() throws Exception {
        int before = app.requests() + api.requests();
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            assertThat(refusal(c, 1, RawH2Client.request("GET", "/a\\b", "app.test"))).isEqualTo("400");

            Http2Headers otherHost = RawH2Client.request("GET", "/", "app.test");
            otherHost.add("host", "evil.test");
            assertThat(refusal(c, 3, otherHost)).isEqualTo("400");

            assertThat(refusal(c, 5, RawH2Client.request("GET", "http://app.test/", "app.test"))).isEqualTo("400");
            assertThat(refusal(c, 7, RawH2Client.request("GET", "/%2e%2e/%2e%2e/etc", "app.test"))).isEqualTo("400");
            assertThat(refusal(c, 9, RawH2Client.request("GET", "/a%2fb", "app.test"))).isEqualTo("400");
            assertThat(refusal(c, 11, RawH2Client.request("GET", "/", "app.test@evil.test"))).isEqualTo("400");

            Http2Headers alias = RawH2Client.request("GET", "/", "app.test");
            alias.add("x_forwarded_for", "6.6.6.6");
            assertThat(refusal(c, 13, alias)).isEqualTo("400");

            assertThat(refusal(c, 15, RawH2Client.request("CONNECT", null, "app.test:443"))).isEqualTo("405");

            Http2Headers extended = RawH2Client.request("CONNECT", "/chat", "app.test");
            extended.add(":protocol", "websocket");
            assertThat(refusal(c, 17, extended)).isEqualTo("400");

            Http2Headers noAuthority = RawH2Client.request("GET", "/", null);
            assertThat(refusal(c, 19, noAuthority)).isEqualTo("400");
        }
        assertThat(app.requests() + api.requests()).as("requests that reached a backend").isEqualTo(before);
    }

    @Test
    void connectionSpecificFieldsAndUpperCaseNamesResetTheStream() throws Exception {
        int before = app.requests();
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            Http2Headers connection = RawH2Client.request("GET", "/", "app.test");
            connection.add("connection", "keep-alive");
            assertThat(reset(c, 1, connection)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            Http2Headers te = RawH2Client.request("GET", "/", "app.test");
            te.add("te", "gzip");
            assertThat(reset(c, 3, te)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            Http2Headers upper = RawH2Client.request("GET", "/", "app.test");
            upper.add("X-Upper", "1");
            assertThat(reset(c, 5, upper)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            Http2Headers transferEncoding = RawH2Client.request("POST", "/", "app.test");
            transferEncoding.add("transfer-encoding", "chunked");
            assertThat(reset(c, 7, transferEncoding)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            Http2Headers twoPaths = RawH2Client.request("GET", "/", "app.test");
            twoPaths.add(":path", "/admin");
            assertThat(reset(c, 9, twoPaths)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            // The connection survives stream errors.
            c.headers(11, RawH2Client.request("GET", "/", "app.test"), true);
            assertThat(c.response(11, 10_000).body()).isEqualTo("app");
        }
        assertThat(app.requests()).isEqualTo(before + 1);
    }

    @Test
    void teTrailersIsAcceptedAndNotForwardedToAnHttp11Upstream() throws Exception {
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            Http2Headers h = RawH2Client.request("GET", "/headers", "app.test");
            h.add("te", "trailers");
            c.headers(1, h, true);

            RawH2Client.Response r = c.response(1, 10_000);

            assertThat(r.status()).isEqualTo("200");
            assertThat(r.body()).doesNotContain("te:");
        }
    }

    @Test
    void extendedConnectIsAnsweredInWordsThenResetAsMalformed() throws Exception {
        int before = app.requests() + api.requests();
        try (RawH2Client c = new RawH2Client(proxy.port("web"))) {
            // RFC 8441: the proxy sends no SETTINGS_ENABLE_CONNECT_PROTOCOL (Http2OverTlsTest reads its SETTINGS with
            // nghttp), so a WebSocket-over-HTTP/2 request is malformed.
            Http2Headers websocket = RawH2Client.request("CONNECT", "/chat", "app.test");
            websocket.add(":protocol", "websocket");
            websocket.add("sec-websocket-version", "13");
            c.headers(1, websocket, false); // a tunnel's request stays open
            RawH2Client.Response answer = c.response(1, 10_000);
            assertThat(answer.status()).isEqualTo("400");
            assertThat(answer.body()).contains("WebSocket over HTTP/2 (RFC 8441", "not supported", "over HTTP/1.1");
            RawH2Client.Frame reset = c.await(f -> f.streamId() == 1 && f.type().equals("RST_STREAM"), 10_000);
            assertThat(reset).as("RST_STREAM after the answer").isNotNull();
            assertThat(reset.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());

            Http2Headers notConnect = RawH2Client.request("GET", "/chat", "app.test");
            notConnect.add(":protocol", "websocket");
            assertThat(refusal(c, 3, notConnect)).isEqualTo("400");
            // The connection serves on.
            c.headers(5, RawH2Client.request("GET", "/", "app.test"), true);
            assertThat(c.response(5, 10_000).body()).isEqualTo("app");
        }
        assertThat(app.requests() + api.requests()).as("requests that reached a backend").isEqualTo(before + 1);
    }

    private static String refusal(RawH2Client c, int stream, Http2Headers headers) throws Exception {
        c.headers(stream, headers, true);
        RawH2Client.Response r = c.response(stream, 10_000);
        assertThat(r.reset()).as("stream %d ended normally", stream).isEqualTo(-1);
        return r.status();
    }

    private static long reset(RawH2Client c, int stream, Http2Headers headers) throws Exception {
        c.headers(stream, headers, true);
        RawH2Client.Response r = c.response(stream, 10_000);
        assertThat(r.headers()).as("no response head on stream %d", stream).isNull();
        return r.reset();
    }
}
