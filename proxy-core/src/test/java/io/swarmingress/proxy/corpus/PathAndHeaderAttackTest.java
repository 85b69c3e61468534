package io.swarmingress.proxy.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import io.swarmingress.proxy.testing.Closer;
import io.swarmingress.proxy.testing.ProxyFixture;

/**
 * The review of issue 8 "from a fresh angle", first half: what a request's head makes a backend
 * do (path, Host, fields). Raw bytes through a running proxy, in front of raw-socket backends
 * that record every byte. Each test is one finding and fails on the code it was written against;
 * the Javadoc of each says what the bytes are, what the proxy does, what a lenient peer makes of
 * it, and where the fix belongs. {@link ExchangeAttackTest} has the exchange's findings.
 */
class PathAndHeaderAttackTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SETTLE = Duration.ofSeconds(10);

    static String oneService(RawBackend backend, String extraRoutes) {
        return """
                io_threads: 1
                entrypoints: [{name: web, address: '127.0.0.1:0'}]
                routes:
                %s  - {entrypoint: web, host: app.test, path_prefix: /static, service: app}
                services:
                  - {name: app, endpoints: ['%s']}
                """.formatted(extraRoutes, backend.hostPort());
    }

    // ------------------------------------------------------------------------------------------
    // High: path parameters on dot-segments leave a prefix route

    /**
     * What a Servlet container (Tomcat, and Spring Boot with it; Jetty 9) makes of a path: the
     * path parameters ({@code ;...}) of every segment are removed first, then the path is decoded
     * and its dot-segments removed. Null when that climbs above the root (Tomcat answers 400).
     */
    static String servletView(String path) {
        Deque<String> segments = new ArrayDeque<>();
        String[] parts = path.split("/", -1);
        for (int i = 1; i < parts.length; i++) {
            String s = parts[i];
            int semi = s.indexOf(';');
            s = percentDecode(semi < 0 ? s : s.substring(0, semi));
            if (s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.isEmpty()) {
                    return null;
                }
                segments.removeLast();
                continue;
            }
            segments.addLast(s);
        }
        return "/" + String.join("/", segments);
    }

    private static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Bytes: {@code GET /static/..;/admin HTTP/1.1} (and {@code %2e%2e;x}, {@code .;/..},
     * {@code ..;jsessionid=1}) with {@code Host: app.test}, where only {@code /static} is routed.
     *
     * <p>The proxy: RequestTarget.normalize treats {@code ..;} as an ordinary segment (only
     * {@code .} and {@code ..} are dot-segments), so the path stays under {@code /static}, the
     * prefix route matches, and {@code /static/..;/admin} is forwarded as is ({@code %2e%2e;x} as
     * {@code ..;x}). ({@code /static/.;/../admin} holds: the proxy applies the {@code ..} itself and
     * forwards {@code /static/admin}.)
     *
     * <p>A Servlet backend strips {@code ;params} from each segment before removing dot-segments
     * (the long-known "..;/" bypass of nginx and Apache in front of Tomcat): it serves
     * {@code /admin}, the path the route was meant to fence off. Same class as finding 2.
     *
     * <p>Fix (RequestTarget.normalize, step 2; needsWork already sends every such path there): a segment whose part before the first {@code ;} is {@code .} or {@code ..} is a
     * dot-segment with parameters: refuse it (400, like a {@code ..} above the root), or drop the
     * parameters and treat it as the plain dot-segment.
     */
    @Test
    void pathParametersOnDotSegmentsDoNotLeaveAPrefixRoute() throws Exception {
        List<String> paths = List.of("/static/..;/admin", "/static/%2e%2e;x/admin", "/static/.;/../admin", "/static/..;jsessionid=1/admin");
        SoftAssertions softly = new SoftAssertions();
        for (String path : paths) {
            try (Closer closer = new Closer()) {
                RawBackend app = closer.add(RawBackend.start("app", RawBackend.namedOk("app")));
                ProxyFixture proxy = ProxyFixture.start(oneService(app, ""));
                RawClient.Response response;
                try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                    client.send("GET " + path + " HTTP/1.1\r\nHost: app.test\r\n\r\n");
                    response = client.readResponse(false);
                } finally {
                    proxy.close();
                }
                app.settle(SETTLE);
                if (app.requests().isEmpty()) {
                    softly.assertThat(response.statusLine()).as(path + ": refused").startsWith("HTTP/1.1 4");
                    continue;
                }
                String forwarded = app.requests().get(0).path();
                String served = servletView(forwarded);
                softly.assertThat(served == null || served.equals("/static") || served.startsWith("/static/"))
                        .as("%s was forwarded as %s, which a Servlet backend serves as %s", path, forwarded, served)
                        .isTrue();
            }
        }
        softly.assertAll();
    }

    // ------------------------------------------------------------------------------------------
    // Low: whitespace-only values

    /**
     * Bytes: {@code GET / HTTP/1.1\r\nHost: h.test\r\nX-Canary: \r\n\r\n} on an entrypoint with a
     * header route ({@code x-canary: yes}) and a plain route for the same host.
     *
     * <p>The proxy: HeadLines.valueStart skips the space forwards (to the line end) and valueEnd
     * skips it backwards (to the colon), so valueStart > valueEnd; Route.headersMatch ->
     * RequestParser.header -> HeadLines.value builds a String of length -1 and throws
     * StringIndexOutOfBoundsException on the event loop. Http1Connection.exceptionCaught closes the
     * connection: no response, no access metric, logged at debug only. The same request with
     * {@code X-Canary:} (no space) is routed to the plain route. (And {@code Host: } with a space,
     * an empty Host the policy allows, is refused as "invalid character after the host":
     * Authority.check reads the byte past the line; see WireLimitsTest.)
     *
     * <p>Fix: HeadLines.valueEnd must not end before valueStart (e.g. valueEnd = max(valueStart,
     * trimmed end)), which fixes Host, value() and every other user at once.
     */
    @Test
    void aWhitespaceOnlyValueOfARoutedHeaderIsAnsweredNotDropped() throws Exception {
        try (Closer closer = new Closer()) {
            RawBackend app = closer.add(RawBackend.start("app", RawBackend.namedOk("app")));
            RawBackend canary = closer.add(RawBackend.start("canary", RawBackend.namedOk("canary")));
            ProxyFixture proxy = closer.add(ProxyFixture.start("""
                    io_threads: 1
                    entrypoints: [{name: web, address: '127.0.0.1:0'}]
                    routes:
                      - {entrypoint: web, host: h.test, path_prefix: /, headers: {x-canary: 'yes'}, service: canary}
                      - {entrypoint: web, host: h.test, path_prefix: /, service: app}
                    services:
                      - {name: app, endpoints: ['%s']}
                      - {name: canary, endpoints: ['%s']}
                    """.formatted(app.hostPort(), canary.hostPort())));
            try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                client.send("GET / HTTP/1.1\r\nHost: h.test\r\nX-Canary: \r\n\r\n");
                String answer;
                try {
                    answer = client.readResponse(false).bodyText();
                } catch (RawClient.Incomplete e) {
                    answer = "no response (" + e.end + "), received: " + client.receivedText();
                }
                assertThat(answer).as("routed like X-Canary: with no space").isEqualTo("app");
            }
        }
    }

    /**
     * Bytes: {@code GET /public HTTP/1.1\r\nHost: \r\n\r\n} and the absolute-form
     * {@code GET http://app.test/static/x HTTP/1.1\r\nHost: \r\n\r\n}.
     *
     * <p>The proxy refuses both with 400 "invalid Host header: invalid character after the host"
     * (valueStart > valueEnd, as above), while {@code Host:} without the space is accepted: the
     * policy allows an empty Host ("routes as no host"), and in absolute form RFC 9112 section
     * 3.2.2 says the Host is replaced by the authority whatever it says.
     */
    @Test
    void anEmptyHostWithOwsIsAnEmptyHost() throws Exception {
        try (Closer closer = new Closer()) {
            RawBackend app = closer.add(RawBackend.start("app", RawBackend.namedOk("app")));
            ProxyFixture proxy = closer.add(ProxyFixture.start(oneService(app, "")));
            try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                client.send("GET /public HTTP/1.1\r\nHost: \r\n\r\n");
                assertThat(client.readResponse(false).statusLine()).as("an empty Host routes as no host").isEqualTo("HTTP/1.1 404 Not Found");
            }
            try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                client.send("GET http://app.test/static/x HTTP/1.1\r\nHost: \r\n\r\n");
                RawClient.Response response = client.readResponse(false);
                assertThat(response.statusLine() + " " + response.bodyText()).as("absolute form: the authority replaces Host")
                        .isEqualTo("HTTP/1.1 200 OK app");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Low to medium: fields the proxy's own lines should speak for

    /**
     * Bytes: a plain-HTTP request carrying {@code X-Forwarded-Ssl: on}, {@code X-Forwarded-Scheme:
     * https}, {@code X-Real-IP: 6.6.6.6}, {@code X-Forwarded-Server: evil.example},
     * {@code X-Forwarded-Prefix: /evil}.
     *
     * <p>The proxy drops only Forwarded and X-Forwarded-For/-Host/-Proto/-Port (RequestFields),
     * whose Javadoc promises "a client can claim no other address, scheme, host or port"; these
     * reach the backend as sent. Rack reads X-Forwarded-Ssl: on (and X-Forwarded-Scheme) before
     * X-Forwarded-Proto, so a Rails app behind the proxy believes a plain-HTTP request is HTTPS
     * (secure-only cookies, redirect decisions, HSTS); X-Real-IP is the client address to nginx's
     * realip module and many apps; X-Forwarded-Prefix and -Server build URLs in Spring's
     * ForwardedHeaderFilter and others (cache poisoning of generated links). Traefik strips
     * X-Forwarded-Server/-Prefix and X-Real-Ip from untrusted clients for this reason.
     *
     * <p>Fix: RequestFields drops these too (the x-forwarded-* family as a whole, X-Real-IP),
     * and FieldRules guards their underscore spellings.
     */
    @Test
    void aClientCannotClaimASchemeAddressOrPrefixUnderAnotherName() throws Exception {
        List<String> claims = List.of("X-Forwarded-Ssl: on", "X-Forwarded-Scheme: https", "X-Real-IP: 6.6.6.6",
                "X-Forwarded-Server: evil.example", "X-Forwarded-Prefix: /evil");
        List<String> lines = receivedHeaderLines("GET /static/x HTTP/1.1\r\nHost: app.test\r\n" + String.join("\r\n", claims) + "\r\n\r\n");
        SoftAssertions softly = new SoftAssertions();
        for (String claim : claims) {
            softly.assertThat(lines).as("the backend's header lines").doesNotContain(claim);
        }
        softly.assertAll();
    }

    /**
     * Bytes: {@code GET /static/x HTTP/1.1} with {@code X-Original-URL: /admin} (or
     * {@code X-Rewrite-URL: /admin}), where only {@code /static} is routed.
     *
     * <p>The proxy routes on {@code /static/x} and forwards both fields as sent. Backends that
     * honour them take the path from the field (IIS URL Rewrite, Zend Framework 1 and Symfony
     * before CVE-2018-14773, apps copying that code): {@code /admin} is served through the
     * {@code /static} route, the fence of finding 2 by another way.
     *
     * <p>Fix: drop both in RequestFields (the proxy never sets them; no client has a reason to).
     */
    @Test
    void aClientCannotOverrideTheRoutedPathThroughRewriteFields() throws Exception {
        List<String> lines = receivedHeaderLines("GET /static/x HTTP/1.1\r\nHost: app.test\r\nX-Original-URL: /admin\r\n"
                + "X-Rewrite-URL: /admin\r\n\r\n");
        assertThat(lines).noneMatch(l -> l.toLowerCase(Locale.ROOT).startsWith("x-original-url:")
                || l.toLowerCase(Locale.ROOT).startsWith("x-rewrite-url:"));
    }

    private static List<String> receivedHeaderLines(String request) throws Exception {
        try (Closer closer = new Closer()) {
            RawBackend app = closer.add(RawBackend.start("app", RawBackend.namedOk("app")));
            ProxyFixture proxy = closer.add(ProxyFixture.start(oneService(app, "")));
            try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                client.send(request);
                assertThat(client.readResponse(false).bodyText()).isEqualTo("app");
            }
            assertThat(app.requests()).hasSize(1);
            return app.requests().get(0).headers();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Low: a routed header sent twice

    /**
     * Bytes: {@code X-Canary: yes} and {@code X-Canary: no} in one request, on an entrypoint
     * with a header route {@code x-canary: yes}.
     *
     * <p>The proxy routes on the first line (HeadLines.get) and forwards both. The backend of the
     * canary route then reads its own routing field as {@code yes, no} (Node, WSGI and Rack join
     * repeated fields) or {@code no} (readers that keep the last): the route and the backend
     * disagree about the field that chose the backend, which matters as soon as the field means
     * something to the backend too (a tenant, a version, a feature flag).
     *
     * <p>Fix: refuse a request that repeats a field a route of its entrypoint matches on (400),
     * or forward only the line that was matched.
     */
    @Test
    void aRoutedHeaderSentTwiceIsRefusedOrReachesTheBackendAsMatched() throws Exception {
        try (Closer closer = new Closer()) {
            RawBackend app = closer.add(RawBackend.start("app", RawBackend.namedOk("app")));
            RawBackend canary = closer.add(RawBackend.start("canary", RawBackend.namedOk("canary")));
            ProxyFixture proxy = ProxyFixture.start("""
                    io_threads: 1
                    entrypoints: [{name: web, address: '127.0.0.1:0'}]
                    routes:
                      - {entrypoint: web, host: h.test, path_prefix: /, headers: {x-canary: 'yes'}, service: canary}
                      - {entrypoint: web, host: h.test, path_prefix: /, service: app}
                    services:
                      - {name: app, endpoints: ['%s']}
                      - {name: canary, endpoints: ['%s']}
                    """.formatted(app.hostPort(), canary.hostPort()));
            RawClient.Response response;
            try (RawClient client = new RawClient(proxy.port("web"), READ_TIMEOUT)) {
                client.send("GET / HTTP/1.1\r\nHost: h.test\r\nX-Canary: yes\r\nX-Canary: no\r\n\r\n");
                response = client.readResponse(false);
            } finally {
                proxy.close();
            }
            canary.settle(SETTLE);
            if (canary.requests().isEmpty()) {
                assertThat(response.statusLine()).as("refused").startsWith("HTTP/1.1 400");
            } else {
                assertThat(canary.requests().get(0).headers().stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("x-canary:")))
                        .as("the routing field as the canary backend reads it").containsExactly("X-Canary: yes");
            }
        }
    }
}
